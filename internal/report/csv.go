package report

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The report as data for a spreadsheet: one CSV per table, alone or all in a ZIP.

// csvSafe keeps a cell from being read as a formula by a spreadsheet: text that starts with
// =, +, -, @ or a control character gets a leading apostrophe. Numbers are left as they are.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes one table: its column headings, its rows and its total.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	row := func(label string, cells []string) {
		rec := []string{csvSafe(label)}
		for _, c := range cells {
			rec = append(rec, csvSafe(c))
		}
		_ = cw.Write(rec)
	}
	row(t.Columns[0], t.Columns[1:])
	for _, r := range t.Rows {
		row(r.Label, r.Cells)
	}
	if t.Total != nil {
		row(t.Total.Label, t.Total.Cells)
	}
	cw.Flush()
	return cw.Error()
}

// WriteZIP writes every table as <id>.csv in one ZIP.
func WriteZIP(w io.Writer, rep *AnnualReport) error {
	zw := zip.NewWriter(w)
	for _, t := range rep.Tables {
		f, err := zw.Create(t.ID + ".csv")
		if err != nil {
			return fmt.Errorf("report zip: %w", err)
		}
		if err := WriteCSV(f, t); err != nil {
			return fmt.Errorf("report zip: %s: %w", t.ID, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report zip: %w", err)
	}
	return nil
}
