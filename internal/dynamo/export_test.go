package dynamo

// SetPageLimit caps the items per Query page, so that tests exercise paging with few items.
func SetPageLimit(s *Store, n int32) { s.pageLimit = n }
