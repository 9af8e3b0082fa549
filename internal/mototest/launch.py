"""Start moto_server with DynamoDB's TransactWriteItems backing up items, not whole tables,
and a Query of a table's own key reading that partition, not every item.

internal/mototest runs this file with the interpreter of the moto_server script, with that
script's path and moto_server's arguments:

    python launch.py /path/to/moto_server -H 127.0.0.1 -p 0

Why: moto 5.2.1's DynamoDBBackend.transact_write_items, before it does anything, takes a
rollback backup with copy.deepcopy(self.tables[name]) once for every item of the transaction:
every item of the table and every record of its stream shard, copied 1 to 100 times for each
transaction. The copies hold reference cycles (the shard points back at its table), so they are
freed only by Python's generation-2 collections. Intake writes nearly everything through
TransactWriteItems, so a run against moto slows and grows quadratically: in the functions'
soak, moto's RSS reached ~0.8 GB at 40 web complaints' worth of traffic and ~16 GB at 200
deliveries. BenchmarkTransactWriteItems_Moto (internal/mototest), transactions of 3 items one
after another on a table with a stream: plain moto takes 37 ms a transaction and peaks at
627 MB over 200 of them, 94 ms and 3.5 GB over 500; patched, 3.3 ms and 89 MB over 200,
2.6 ms and 114 MB over 2,000. The soak, patched: 0.23 GB over 40 deliveries (plain: 0.8 GB),
0.28 GB over 200.

What is patched: DynamoDBBackend.transact_write_items is wrapped. moto's own implementation
still does all the work (validation, conditions, unicity, cancellation reasons, stream
records), but the module's `copy` name is a stand-in whose deepcopy returns a Table itself,
uncopied, while that thread is inside a transaction (and copies everything else, such as
update_item's copy of the old item, as before). Before calling moto, the wrapper backs up
only what the transaction can change, for each table moto would back up (those named by
TableName, as moto does): a deep copy of the item at each key the transaction names (or a
note that there was none, and whether its hash key's bucket of a hash-and-range table
existed), and the stream shard's record list and its length. When moto rolls back (it raises
TransactionCanceledException, or a ValidationException from inside its loop: the same cases
in which it reinstates its backups) the wrapper puts those items back through the tables'
item dicts, so that the restore itself writes no stream records, deletes those that did not
exist, and truncates the stream shard's records back to their length before.

One difference, deliberate: moto reinstated a *copy* of the table, so a stream consumer's
shard iterator taken before a cancelled transaction went on reading the abandoned shard
(which kept the cancelled transaction's records and never saw a later write). The restore
here is in place, as DynamoDB's would be, so iterators keep working. (The functions' soak
reads the stream so, keeping NextShardIterator from one read to the next.)

The second patch: moto 5.2.1's Table.query, asked for one partition of the table itself (no
index), goes through every item of the table (all_items) to keep those whose hash key is the
one asked for, so each such Query costs time in proportion to the whole table. Intake reads a
case, a restriction or a marker by querying its partition, so a long run slows as its table
grows: in a 10,000-delivery soak of the functions, moto was the bottleneck (86% of a core, 147
requests queued at once) by 2,000 deliveries. Table.query is wrapped: for a query without an
index it tells all_items, through a thread-local, to return only that partition's items (the
bucket of the table's items dict at that hash key), which are exactly the items moto's filter
would have kept. moto does everything else as before (sorting, paging, conditions, filters,
projections). Queries of an index still read every item, as moto does.

The patch is made only when the moto functions it depends on have exactly the source it was
written against (moto 5.2.1); otherwise this prints why and exits with status 3 before
serving anything, and mototest runs plain moto_server instead.
"""

import copy
import hashlib
import inspect
import re
import sys
import threading

NOT_PATCHED = 3
PREFIX = "mototest-launch:"

# The sha256 (first 16 hex digits) of the source of every moto function whose behaviour the
# patch relies on, as in moto 5.2.1.
EXPECTED = {
    "DynamoDBBackend.transact_write_items": "81db2cb7d94e39c9",
    "DynamoDBBackend.get_keys_value": "1f948797496ddc2c",
    "DynamoDBBackend.get_item": "290b95c46b38bc5a",
    "DynamoDBBackend.put_item": "f5d9a5042c77b89e",
    "DynamoDBBackend.update_item": "218984588dd689a5",
    "DynamoDBBackend.delete_item": "083a4bb1af18f6fd",
    "DynamoDBBackend.get_table": "a738146035fc206b",
    "Table.put_item": "de23933013ef8426",
    "Table.get_item": "b08e98fe37b7e583",
    "Table.delete_item": "1594f7b07616c8cb",
    "StreamShard.__init__": "5b521e4bd51c467e",
    "StreamShard.add": "357dc6da267e5dd7",
    "Table.query": "002b4d00be6df07c",
    "Table.all_items": "c80d2ee3c896acd0",
}

_MISSING = object()


def _check(models, table_module):
    """Returns why moto is not the one the patch was written for, or None."""
    if getattr(models, "copy", None) is not copy:
        return "moto.dynamodb.models no longer uses the copy module"
    owners = {
        "DynamoDBBackend": models.DynamoDBBackend,
        "Table": table_module.Table,
        "StreamShard": table_module.StreamShard,
    }
    for name, want in EXPECTED.items():
        owner, attr = name.split(".")
        try:
            src = inspect.getsource(getattr(owners[owner], attr))
        except (AttributeError, OSError, TypeError) as e:
            return f"cannot read {name}: {e}"
        got = hashlib.sha256(src.encode()).hexdigest()[:16]
        if got != want:
            return f"{name} differs from moto 5.2.1's (source sha256 {got}, want {want})"
    return None


class _Backup:
    """What one transaction can change, taken before it runs, and its restore."""

    def __init__(self, backend, transact_items):
        # The tables moto backs up: those an item names by TableName (not by ARN).
        tables = {}
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                name = op.get("TableName")
                if name and name in backend.tables:
                    t = backend.tables[name]
                    tables[id(t)] = t
            except Exception:
                continue
        self.items = {}  # (id(table), hash, range) -> (table, hash, range, old item or _MISSING, bucket existed)
        self.shards = []  # (table, shard, its records list, their number)
        for t in tables.values():
            if t.stream_shard is not None:
                self.shards.append((t, t.stream_shard, t.stream_shard.items, len(t.stream_shard.items)))
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                table = backend.get_table(op["TableName"])
                if id(table) not in tables:
                    continue
                # The key exactly as moto's transact_write_items works it out.
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                h, r = backend.get_keys_value(table, key)
            except Exception:
                continue  # moto fails on this item too, before it changes anything for it
            k = (id(table), h, r)
            if k in self.items:
                continue
            if table.range_key_attr is not None:
                bucket = table.items.get(h)  # .get: the items are a defaultdict
                existed = bucket is not None
                old = bucket.get(r, _MISSING) if existed else _MISSING
            else:
                existed = True
                old = table.items.get(h, _MISSING)
            if old is not _MISSING:
                old = copy.deepcopy(old)
            self.items[k] = (table, h, r, old, existed)

    def restore(self):
        for table, h, r, old, existed in self.items.values():
            if table.range_key_attr is not None:
                if old is not _MISSING:
                    table.items[h][r] = old
                else:
                    bucket = table.items.get(h)
                    if bucket is not None:
                        bucket.pop(r, None)
            elif old is not _MISSING:
                table.items[h] = old
            else:
                table.items.pop(h, None)
        # Buckets that moto's own lookups created during the transaction (the items dict is a
        # defaultdict), emptied again above.
        for table, h, r, old, existed in self.items.values():
            if table.range_key_attr is not None and not existed and table.items.get(h, None) == {}:
                del table.items[h]
        for table, shard, records, n in self.shards:
            del records[n:]
            shard.items = records


def patch():
    """Patches moto, or returns why it cannot."""
    try:
        import moto.dynamodb.models as models
        import moto.dynamodb.models.table as table_module
        from moto.dynamodb.exceptions import (
            MockValidationException,
            TooManyTransactionsException,
            TransactionCanceledException,
            TransactWriteSingleOpException,
        )
    except Exception as e:  # noqa: BLE001 any failure means: not the moto this was written for
        return f"cannot import moto's DynamoDB internals: {e!r}"
    why = _check(models, table_module)
    if why:
        return why

    Table = table_module.Table
    state = threading.local()

    class CopyInTransactions:
        """The copy module, except that inside a transaction a Table is not copied."""

        def __getattr__(self, name):
            return getattr(copy, name)

        def deepcopy(self, x, memo=None):
            if getattr(state, "depth", 0) > 0 and isinstance(x, Table):
                return x
            return copy.deepcopy(x, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        backup = _Backup(self, transact_items)
        state.depth = getattr(state, "depth", 0) + 1
        try:
            return original(self, transact_items)
        except (TransactionCanceledException, MockValidationException) as e:
            # moto reinstates its backups for exactly these, except the two validation errors
            # it raises before its first change or outside its try block.
            if not isinstance(e, (TooManyTransactionsException, TransactWriteSingleOpException)):
                backup.restore()
            raise
        finally:
            state.depth -= 1

    transact_write_items.__wrapped__ = original
    transact_write_items.__doc__ = original.__doc__
    models.copy = CopyInTransactions()
    models.DynamoDBBackend.transact_write_items = transact_write_items
    _patch_query(Table, state)
    return None


def _patch_query(Table, state):
    """A Query of the table's own key reads that partition alone (see the module's doc)."""
    original_query = Table.query
    original_all_items = Table.all_items

    def all_items(self):
        partition = getattr(state, "partition", None)
        if partition is None or partition[0] is not self:
            return original_all_items(self)
        bucket = self.items.get(partition[1])  # .get: the items are a defaultdict
        if bucket is None:
            return []
        return list(bucket.values()) if self.range_key_attr else [bucket]

    signature = inspect.signature(original_query)

    def query(self, *args, **kwargs):
        asked = signature.bind(self, *args, **kwargs).arguments
        hash_key = asked.get("hash_key")
        if asked.get("index_name") or hash_key is None:
            return original_query(self, *args, **kwargs)
        state.partition = (self, hash_key)
        try:
            return original_query(self, *args, **kwargs)
        finally:
            state.partition = None

    for wrapper, original in ((all_items, original_all_items), (query, original_query)):
        wrapper.__wrapped__ = original
        wrapper.__doc__ = original.__doc__
    Table.all_items = all_items
    Table.query = query


def main():
    if len(sys.argv) < 2:
        print(f"{PREFIX} usage: launch.py /path/to/moto_server [moto_server arguments]", file=sys.stderr)
        return 2
    why = patch()
    if why:
        print(f"{PREFIX} not patched: {why}", flush=True)
        return NOT_PATCHED
    print(f"{PREFIX} patched DynamoDBBackend.transact_write_items and Table.query", flush=True)
    # As the moto_server script does, with its own path as argv[0].
    sys.argv = sys.argv[1:]
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    from moto.server import main as serve

    return serve()


if __name__ == "__main__":
    sys.exit(main())
