package capacity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Meter is a reverse proxy for DynamoDB's JSON API that forwards every request to a DynamoDB
// endpoint (moto_server), counts it by operation and adds up the units it would cost. Point a
// client's DynamoDB endpoint at URL (AWS_ENDPOINT_URL_DYNAMODB for a Lambda binary).
//
// To size a write it reads each item it touches straight from the endpoint just before and
// just after forwarding it (those reads are not counted); requests are forwarded one at a time
// so that nothing comes between. Only DynamoDB's JSON API on one table laid out as Table says
// is understood.
type Meter struct {
	URL string

	table    Table
	upstream string
	srv      *httptest.Server
	client   *http.Client

	mu    sync.Mutex
	usage Usage
}

// Usage is what the metered requests cost.
type Usage struct {
	Calls map[string]int     // by operation: "PutItem", "Query"…
	RCU   float64            // read units
	WCU   map[string]float64 // write units by where they went: "table", "index:<name>"
}

// WRU is the write units in all.
func (u Usage) WRU() float64 {
	var n float64
	for _, v := range u.WCU {
		n += v
	}
	return n
}

// CallCount is the calls in all.
func (u Usage) CallCount() int {
	n := 0
	for _, v := range u.Calls {
		n += v
	}
	return n
}

// Sub returns u less an earlier reading.
func (u Usage) Sub(earlier Usage) Usage {
	out := Usage{Calls: map[string]int{}, RCU: u.RCU - earlier.RCU, WCU: map[string]float64{}}
	for k, v := range u.Calls {
		if d := v - earlier.Calls[k]; d != 0 {
			out.Calls[k] = d
		}
	}
	for k, v := range u.WCU {
		if d := v - earlier.WCU[k]; d != 0 {
			out.WCU[k] = d
		}
	}
	return out
}

// String lists the calls by operation, then the units.
func (u Usage) String() string {
	var ops []string
	for op, n := range u.Calls {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	return fmt.Sprintf("%d calls (%s), %.1f RCU, %.0f WRU", u.CallCount(), strings.Join(ops, ", "), u.RCU, u.WRU())
}

// NewMeter starts a meter in front of the DynamoDB endpoint upstream for a table laid out as
// t. Close it when done.
func NewMeter(upstream string, t Table) *Meter {
	m := &Meter{table: t, upstream: strings.TrimRight(upstream, "/"), client: &http.Client{}}
	m.usage = Usage{Calls: map[string]int{}, WCU: map[string]float64{}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	m.URL = m.srv.URL
	return m
}

// Close stops the proxy.
func (m *Meter) Close() { m.srv.Close() }

// Usage returns what the requests so far cost.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usage.Sub(Usage{})
}

// call is one request as forwarded: its operation, body and the headers that moto reads the
// account and region from.
type call struct {
	op     string
	header http.Header
}

func (m *Meter) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	_, op, _ := strings.Cut(target, ".")
	c := call{op: op, header: r.Header.Clone()}

	m.mu.Lock()
	defer m.mu.Unlock()
	var before []touched
	if op != "" {
		before = m.touches(c, body)
	}
	status, header, out, err := m.forward(r.Method, r.URL.RequestURI(), r.Header, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if op != "" {
		m.usage.Calls[op]++
		m.account(c, body, status, out, before)
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	w.Write(out)
}

func (m *Meter) forward(method, uri string, h http.Header, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, m.upstream+uri, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = h.Clone()
	req.Header.Del("Accept-Encoding") // keep the answer readable here
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	resp.Header.Del("Content-Length")
	return resp.StatusCode, resp.Header, out, nil
}

// send makes an uncounted request of the meter's own to the endpoint.
func (m *Meter) send(c call, op string, in any) (json.RawMessage, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	h := c.header.Clone()
	h.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	h.Del("Content-Length")
	status, _, out, err := m.forward(http.MethodPost, "/", h, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", op, status, out)
	}
	return out, nil
}

// get reads an item as it stands, or nil.
func (m *Meter) get(c call, table string, key Item) Item {
	out, err := m.send(c, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	if err != nil {
		return nil
	}
	var resp struct {
		Item json.RawMessage
	}
	if json.Unmarshal(out, &resp) != nil {
		return nil
	}
	it, _ := decodeItem(resp.Item)
	return it
}

// touched is an item a write touches, and how it stood before.
type touched struct {
	table  string
	key    Item
	before Item
	tx     bool
}

// touches lists the items a write request will change, read as they are now.
func (m *Meter) touches(c call, body []byte) []touched {
	var in struct {
		TableName     string
		Item          json.RawMessage
		Key           json.RawMessage
		TransactItems []map[string]struct {
			TableName string
			Item      json.RawMessage
			Key       json.RawMessage
		}
		RequestItems map[string][]map[string]struct {
			Item json.RawMessage
			Key  json.RawMessage
		}
	}
	if json.Unmarshal(body, &in) != nil {
		return nil
	}
	var out []touched
	add := func(table string, itemOrKey json.RawMessage, tx bool) {
		it, err := decodeItem(itemOrKey)
		if err != nil || it == nil {
			return
		}
		k := m.table.key(it)
		out = append(out, touched{table: table, key: k, before: m.get(c, table, k), tx: tx})
	}
	switch c.op {
	case "PutItem":
		add(in.TableName, in.Item, false)
	case "UpdateItem", "DeleteItem":
		add(in.TableName, in.Key, false)
	case "TransactWriteItems":
		for _, ti := range in.TransactItems {
			for kind, w := range ti {
				if kind == "ConditionCheck" {
					// A condition check is billed as a transactional write of the item.
					it, _ := decodeItem(w.Key)
					if it != nil {
						k := m.table.key(it)
						out = append(out, touched{table: w.TableName, key: k, before: m.get(c, w.TableName, k), tx: true})
					}
					continue
				}
				if w.Item != nil {
					add(w.TableName, w.Item, true)
				} else {
					add(w.TableName, w.Key, true)
				}
			}
		}
	case "BatchWriteItem":
		for table, reqs := range in.RequestItems {
			for _, r := range reqs {
				for _, w := range r {
					if w.Item != nil {
						add(table, w.Item, false)
					} else {
						add(table, w.Key, false)
					}
				}
			}
		}
	}
	return out
}

// account adds up the units of a forwarded request.
func (m *Meter) account(c call, body []byte, status int, out []byte, before []touched) {
	failed := status != http.StatusOK
	for _, t := range before {
		after := t.before
		if !failed {
			after = m.get(c, t.table, t.key)
		}
		w := m.table.WriteCost(t.before, after, failed)
		for where, u := range w {
			if t.tx && where == "table" {
				u *= 2
			}
			m.usage.WCU[where] += u
		}
	}
	if failed {
		return
	}
	switch c.op {
	case "GetItem":
		m.usage.RCU += m.getItemUnits(body, out)
	case "BatchGetItem":
		m.usage.RCU += m.batchGetUnits(body, out)
	case "Query", "Scan":
		m.usage.RCU += m.queryUnits(c, body)
	case "TransactGetItems":
		var resp struct {
			Responses []struct{ Item json.RawMessage }
		}
		json.Unmarshal(out, &resp)
		for _, r := range resp.Responses {
			it, _ := decodeItem(r.Item)
			m.usage.RCU += 2 * units(Size(it), 4096)
		}
	}
}

func readUnits(size int, consistent bool) float64 {
	u := units(size, 4096)
	if !consistent {
		u /= 2
	}
	return u
}

func (m *Meter) getItemUnits(body, out []byte) float64 {
	var in struct{ ConsistentRead bool }
	var resp struct{ Item json.RawMessage }
	json.Unmarshal(body, &in)
	json.Unmarshal(out, &resp)
	it, _ := decodeItem(resp.Item)
	return readUnits(Size(it), in.ConsistentRead)
}

func (m *Meter) batchGetUnits(body, out []byte) float64 {
	var in struct {
		RequestItems map[string]struct{ ConsistentRead bool }
	}
	var resp struct {
		Responses       map[string][]json.RawMessage
		UnprocessedKeys map[string]struct{ Keys []json.RawMessage }
	}
	json.Unmarshal(body, &in)
	json.Unmarshal(out, &resp)
	var u float64
	for table, items := range resp.Responses {
		for _, raw := range items {
			it, _ := decodeItem(raw)
			u += readUnits(Size(it), in.RequestItems[table].ConsistentRead)
		}
	}
	return u
}

var placeholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

// queryUnits sizes a Query (or Scan) by every item it read, before its filter: the request is
// made again without the filter (and without a projection) and what that returns is summed.
func (m *Meter) queryUnits(c call, body []byte) float64 {
	var in map[string]any
	if json.Unmarshal(body, &in) != nil {
		return 0
	}
	consistent, _ := in["ConsistentRead"].(bool)
	if in["IndexName"] != nil {
		consistent = false
	}
	delete(in, "FilterExpression")
	delete(in, "ProjectionExpression")
	delete(in, "Select")
	delete(in, "ReturnConsumedCapacity")
	used := map[string]bool{}
	for _, k := range []string{"KeyConditionExpression"} {
		if s, ok := in[k].(string); ok {
			for _, p := range placeholder.FindAllString(s, -1) {
				used[p] = true
			}
		}
	}
	for _, k := range []string{"ExpressionAttributeNames", "ExpressionAttributeValues"} {
		if mm, ok := in[k].(map[string]any); ok {
			for p := range mm {
				if !used[p] {
					delete(mm, p)
				}
			}
			if len(mm) == 0 {
				delete(in, k)
			}
		}
	}
	out, err := m.send(c, c.op, in)
	if err != nil {
		return readUnits(0, consistent)
	}
	var resp struct{ Items []json.RawMessage }
	json.Unmarshal(out, &resp)
	size := 0
	for _, raw := range resp.Items {
		it, _ := decodeItem(raw)
		size += Size(it)
	}
	return readUnits(size, consistent)
}
