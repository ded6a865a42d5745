# Demo part (scripts/demo.sh runs it with BUILD, ISMS, DB): a backup of the
# register with SQLite's online backup API, and what restore refuses.
set -e
echo "== isms backup (consistent copy while others work) and isms restore"
"$ISMS" --db "$DB" backup "$BUILD/demo-backup.db" --force
"$ISMS" --db "$BUILD/demo-backup.db" history | tail -n 3
printf 'id,name\n' > "$BUILD/demo-not-a-register.csv"
"$ISMS" --db "$BUILD/demo-backup.db" restore "$BUILD/demo-not-a-register.csv" \
  || echo "(restore refused a file that is not a register, as it should; exit $?)"
echo
