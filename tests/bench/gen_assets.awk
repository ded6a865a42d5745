# Deterministic asset inventory for benchmarks: awk -v n=ROWS -f gen_assets.awk
# Same seed, same file: every run measures the same bytes.
BEGIN {
  split("information software physical service people intangible", types, " ")
  split("Unclassified Restricted Confidential Secret", clabels, " ")
  split("Low Moderate High", ilabels, " ")
  srand(20261123)
  print "id,name,type,owner,custodian,location,outsourced,contract,group,units,c,i,a,notes"
  for (k = 1; k <= n; k++) {
    t = types[int(rand() * 6) + 1]
    grp = (rand() < 0.1)
    out = (rand() < 0.15)
    # Half the C/I/A cells are labels, half tier numbers, as real files mix them.
    c = int(rand() * 4) + 1; i = int(rand() * 3) + 1; a = int(rand() * 3) + 1
    if (rand() < 0.5) { c = clabels[c]; i = ilabels[i]; a = ilabels[a] }
    printf "AST-%07d,Asset %d %s,%s,Owner %d,Custodian %d,Building %d Room %d,%s,%s,%s,%d,%s,%s,%s,%s\n", \
      k, k, t, t, k % 500, k % 97, k % 13, k % 40, out ? "yes" : "no", out ? "MSA-" k % 1000 : "", \
      grp ? "yes" : "no", grp ? int(rand() * 200) + 2 : 1, c, i, a, \
      (k % 7 == 0) ? "\"Reviewed, see ticket " k "\"" : "Notes about asset " k
  }
}
