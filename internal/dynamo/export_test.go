package dynamo

// SetPageLimit caps the items per Query page, so that tests exercise paging with few items.
func SetPageLimit(s *Store, n int32) { s.pageLimit = n }

// OnReadUnits reports the read units and items of every ListReceived page to f.
func OnReadUnits(s *Store, f func(units float64, items int)) { s.readUnits = f }
