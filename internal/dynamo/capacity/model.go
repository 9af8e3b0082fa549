// Package capacity meters what Intake's DynamoDB requests cost: a reverse proxy in front of
// moto_server that counts the calls by operation and works out the read and write units each
// would consume in DynamoDB itself, from the items as they are before and after the request and
// from the table's key schema and index projections as template.yaml declares them. It is for
// `make bench` and for the tests that pin the cost of taking a case in; nothing deployed uses it.
//
// moto's own ConsumedCapacity is no help: for a 3 KB item written to a table with an ALL index
// it answers 1.0 (DynamoDB: 3 for the table and 3 for the index), for a strongly consistent read
// of it 0.5 (DynamoDB: 1), and for a transaction nothing at all. So the units are worked out
// here, by DynamoDB's documented rules:
//
//   - An item's size is the sum, over its attributes, of the attribute name's UTF-8 length and
//     the value's size: a string its UTF-8 length, a binary its length, a number about one byte
//     per two significant digits plus one, a boolean or null one byte, a list or map 3 bytes
//     plus its elements (each one byte more, a map element's name counting too), a set the sum
//     of its elements.
//     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
//   - A write costs one write unit per started KB of the larger of the item before and after it
//     (a delete: the item deleted), at least one, even when its condition fails.
//     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
//   - Each global secondary index that holds the item costs more writes, sized by the index's
//     item (the table's and the index's keys and the projected attributes): a put when the item
//     enters the index, a delete when it leaves, a delete and a put when its index key changes,
//     one write when a projected attribute changes, and nothing when no projected attribute
//     does. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
//   - A transactional write costs twice as much for each item of the transaction (DynamoDB
//     writes it twice: to prepare and to commit). The index updates that follow are counted at
//     the standard rate: AWS states the doubling for the items only.
//     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
//   - A read costs one read unit per started 4 KB, half that if eventually consistent (an
//     index is always), two units if transactional. A GetItem is sized by its item (a missing
//     item still costs the minimum); a Query by all the items it read, before any filter,
//     summed and then rounded up, per page.
package capacity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Item is an item in DynamoDB's JSON wire format: attribute name to {"S": "…"}, {"N": "…"}…
type Item map[string]map[string]any

// Table is what the cost model needs of a table: its keys and its global secondary indexes.
type Table struct {
	PK, SK  string
	Indexes []Index
}

// Index is a global secondary index: its keys and what it projects.
type Index struct {
	Name       string
	PK, SK     string
	Projection string   // ALL, KEYS_ONLY or INCLUDE
	NonKey     []string // INCLUDE's attributes
}

// LoadTemplate reads the Table resource of a CloudFormation template (template.yaml).
func LoadTemplate(path string) (Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Table{}, fmt.Errorf("capacity: %w", err)
	}
	var doc struct {
		Resources map[string]yaml.Node `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Table{}, fmt.Errorf("capacity: %s: %w", path, err)
	}
	node, ok := doc.Resources["Table"]
	if !ok {
		return Table{}, fmt.Errorf("capacity: %s has no resource Table", path)
	}
	type key struct {
		AttributeName string `yaml:"AttributeName"`
		KeyType       string `yaml:"KeyType"`
	}
	var res struct {
		Type       string `yaml:"Type"`
		Properties struct {
			KeySchema              []key `yaml:"KeySchema"`
			GlobalSecondaryIndexes []struct {
				IndexName  string `yaml:"IndexName"`
				KeySchema  []key  `yaml:"KeySchema"`
				Projection struct {
					ProjectionType   string   `yaml:"ProjectionType"`
					NonKeyAttributes []string `yaml:"NonKeyAttributes"`
				} `yaml:"Projection"`
			} `yaml:"GlobalSecondaryIndexes"`
		} `yaml:"Properties"`
	}
	if err := node.Decode(&res); err != nil {
		return Table{}, fmt.Errorf("capacity: %s: Table: %w", path, err)
	}
	keys := func(ks []key) (pk, sk string) {
		for _, k := range ks {
			if k.KeyType == "HASH" {
				pk = k.AttributeName
			} else {
				sk = k.AttributeName
			}
		}
		return pk, sk
	}
	var t Table
	t.PK, t.SK = keys(res.Properties.KeySchema)
	if t.PK == "" {
		return Table{}, fmt.Errorf("capacity: %s: Table has no partition key", path)
	}
	for _, g := range res.Properties.GlobalSecondaryIndexes {
		ix := Index{Name: g.IndexName, Projection: g.Projection.ProjectionType, NonKey: g.Projection.NonKeyAttributes}
		ix.PK, ix.SK = keys(g.KeySchema)
		t.Indexes = append(t.Indexes, ix)
	}
	return t, nil
}

// key returns the item's primary key attributes.
func (t Table) key(it Item) Item {
	k := Item{t.PK: it[t.PK]}
	if t.SK != "" {
		k[t.SK] = it[t.SK]
	}
	return k
}

// project returns the index's item for it, or nil if the item is not in the index (it lacks
// one of the index's key attributes: the indexes are sparse).
func (t Table) project(ix Index, it Item) Item {
	if it == nil || it[ix.PK] == nil || (ix.SK != "" && it[ix.SK] == nil) {
		return nil
	}
	out := Item{}
	for _, a := range []string{t.PK, t.SK, ix.PK, ix.SK} {
		if a != "" && it[a] != nil {
			out[a] = it[a]
		}
	}
	switch ix.Projection {
	case "ALL":
		return it
	case "INCLUDE":
		for _, a := range ix.NonKey {
			if it[a] != nil {
				out[a] = it[a]
			}
		}
	}
	return out
}

// Size is the item's size in bytes as DynamoDB counts it (see the package comment).
func Size(it Item) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v map[string]any) int {
	for typ, x := range v {
		switch typ {
		case "S":
			s, _ := x.(string)
			return len(s)
		case "N":
			s, _ := x.(string)
			return numberSize(s)
		case "B":
			s, _ := x.(string)
			return binarySize(s)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			n := 0
			for _, e := range asList(x) {
				s, _ := e.(string)
				switch typ {
				case "SS":
					n += len(s)
				case "NS":
					n += numberSize(s)
				default:
					n += binarySize(s)
				}
			}
			return n
		case "L":
			n := 3
			for _, e := range asList(x) {
				m, _ := e.(map[string]any)
				n += 1 + valueSize(m)
			}
			return n
		case "M":
			n := 3
			m, _ := x.(map[string]any)
			for name, e := range m {
				em, _ := e.(map[string]any)
				n += 1 + len(name) + valueSize(em)
			}
			return n
		}
	}
	return 0
}

func asList(x any) []any {
	l, _ := x.([]any)
	return l
}

// numberSize: significant digits, leading and trailing zeros trimmed, two to a byte, plus one.
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.Replace(mant, ".", "", 1)
	digits = strings.TrimLeft(digits, "0")
	if strings.Contains(mant, ".") || digits != "" {
		digits = strings.TrimRight(digits, "0")
	}
	n := utf8.RuneCountInString(digits)
	return (n+1)/2 + 1
}

func binarySize(s string) int {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return len(s)
	}
	return len(b)
}

// units rounds size bytes up to whole units of per bytes, at least one.
func units(size, per int) float64 {
	return math.Max(1, math.Ceil(float64(size)/float64(per)))
}

// Write is what one item's write cost, by where it went: "table" or "index:<name>".
type Write map[string]float64

// WriteCost is the write units of changing before into after (nil for no item) on the table
// and its indexes; failed says the write's condition failed (the table's write only).
func (t Table) WriteCost(before, after Item, failed bool) Write {
	w := Write{}
	if failed {
		w["table"] = units(Size(before), 1024)
		return w
	}
	w["table"] = units(max(Size(before), Size(after)), 1024)
	for _, ix := range t.Indexes {
		b, a := t.project(ix, before), t.project(ix, after)
		var u float64
		switch {
		case b == nil && a == nil:
		case b == nil:
			u = units(Size(a), 1024)
		case a == nil:
			u = units(Size(b), 1024)
		case !reflect.DeepEqual(b[ix.PK], a[ix.PK]) || !reflect.DeepEqual(b[ix.SK], a[ix.SK]):
			u = units(Size(b), 1024) + units(Size(a), 1024)
		case !reflect.DeepEqual(b, a):
			u = units(max(Size(b), Size(a)), 1024)
		}
		if u > 0 {
			w["index:"+ix.Name] = u
		}
	}
	return w
}

// decodeItem reads an item from a JSON object.
func decodeItem(raw json.RawMessage) (Item, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var it Item
	if err := json.Unmarshal(raw, &it); err != nil {
		return nil, err
	}
	return it, nil
}
