package main

// FerretDB 1.24 on SQLite looks documents up by _id with the expression
// `_ferretdb_sjson->'$._id'`, but indexes `_ferretdb_sjson->"_id"`. SQLite uses an index only
// for the very expression it was built on, so every lookup by _id scans its whole table,
// parsing each document's JSON: the cost of every read and write grows with the collection.
// This keeps an index on the expression the lookups use, on every collection table of every
// database in the data folder; SQLite's planner picks it up at once.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"
)

const (
	documentColumn = "_ferretdb_sjson"
	// The exact expression of FerretDB's _id lookups (backends/sqlite/metadata.IDColumn).
	idLookup      = documentColumn + "->'$._id'"
	indexSuffix   = "__id_lookup"
	indexInterval = 2 * time.Second
)

// keepIDIndexes adds the missing indexes now and then, until ctx ends.
func keepIDIndexes(ctx context.Context, dir string) {
	ticker := time.NewTicker(indexInterval)
	defer ticker.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexDatabase(ctx, file); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "ferretdb: indexing _id lookups in %s: %v\n", filepath.Base(file), err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func indexDatabase(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE ?
		AND NOT EXISTS (SELECT 1 FROM sqlite_master AS i WHERE i.type = 'index' AND i.name = sqlite_master.name || ?)`,
		"%"+documentColumn+"%", indexSuffix)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		quoted := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
		index := `"` + strings.ReplaceAll(table+indexSuffix, `"`, `""`) + `"`
		stmt := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (%s)`, index, quoted, idLookup)
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			// A table dropped meanwhile is no longer there to index.
			if strings.Contains(err.Error(), "no such table") {
				continue
			}
			return err
		}
	}
	return nil
}
