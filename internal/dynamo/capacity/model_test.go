package capacity

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

func s(v string) map[string]any { return map[string]any{"S": v} }

func TestSize(t *testing.T) {
	for _, c := range []struct {
		name string
		item Item
		want int
	}{
		{"strings", Item{"PK": s("CASE#1"), "ref": s("é")}, 2 + 6 + 3 + 2},
		{"numbers", Item{"n": {"N": "1795461351"}, "m": {"N": "0.0100"}}, 1 + 6 + 1 + 2},
		{"bool and null", Item{"b": {"BOOL": true}, "z": {"NULL": true}}, 2 + 2},
		{"map", Item{"m": {"M": map[string]any{"ab": map[string]any{"S": "xyz"}}}}, 1 + 3 + 1 + 2 + 3},
		{"list and set", Item{"l": {"L": []any{map[string]any{"S": "ab"}}}, "ss": {"SS": []any{"a", "bc"}}}, 1 + 3 + 1 + 2 + 2 + 3},
	} {
		if got := Size(c.item); got != c.want {
			t.Errorf("%s: Size = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestTable_WriteCost(t *testing.T) {
	tbl := Table{PK: "PK", SK: "SK", Indexes: []Index{
		{Name: "keys", PK: "k", SK: "ks", Projection: "KEYS_ONLY"},
		{Name: "all", PK: "a", SK: "as", Projection: "ALL"},
		{Name: "some", PK: "a", SK: "as", Projection: "INCLUDE", NonKey: []string{"x"}},
	}}
	big := s(strings.Repeat("m", 1500))
	base := Item{"PK": s("CASE#1"), "SK": s("CASE"), "k": s("P"), "ks": s("1"), "a": s("open"), "as": s("1"), "x": s("1"), "msg": big}
	with := func(changes Item, drop ...string) Item {
		it := maps.Clone(base)
		maps.Copy(it, changes)
		for _, d := range drop {
			delete(it, d)
		}
		return it
	}
	for _, c := range []struct {
		name          string
		before, after Item
		failed        bool
		want          Write
	}{
		{"a new item enters every index", nil, base, false, Write{"table": 2, "index:keys": 1, "index:all": 2, "index:some": 1}},
		{"an unprojected change rewrites only ALL", base, with(Item{"y": s("1")}), false, Write{"table": 2, "index:all": 2}},
		{"a projected change", base, with(Item{"x": s("2")}), false, Write{"table": 2, "index:all": 2, "index:some": 1}},
		{"leaving a sparse index deletes", base, with(nil, "k"), false, Write{"table": 2, "index:keys": 1, "index:all": 2}},
		{"a changed index key is a delete and a put", base, with(Item{"ks": s("2")}), false, Write{"table": 2, "index:keys": 2, "index:all": 2}},
		{"a failed condition costs the item only", base, base, true, Write{"table": 2}},
	} {
		if got := tbl.WriteCost(c.before, c.after, c.failed); !maps.Equal(got, c.want) {
			t.Errorf("%s: WriteCost = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestLoadTemplate(t *testing.T) {
	tbl, err := LoadTemplate(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if tbl.PK != "PK" || tbl.SK != "SK" || len(tbl.Indexes) == 0 {
		t.Fatalf("template.yaml's table = %+v", tbl)
	}
	for _, ix := range tbl.Indexes {
		if ix.PK == "" || ix.Projection == "" {
			t.Errorf("index %+v has no key or projection", ix)
		}
	}
}
