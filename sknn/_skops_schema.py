"""Bounds on the work skops' type audit does on a payload's schema, checked before
skops sees it: a small crafted file of shared objects must not hang ``sknn.load``.
Standard library only."""

# skops' type audit visits a shared object once per reference: its visits may reach
# MAX_OBJECTS in any file, and beyond that MAX_SHARING times the objects the file
# writes out (sknn's own files share none), so checking costs time linear in size
MAX_OBJECTS = 20_000
MAX_SHARING = 2
MAX_DEPTH = 100  # nesting of the payload's object tree


def count_objects(tree):
    """Bound the work skops' type audit will do on the schema ``tree``, in time
    linear in the schema's size.

    skops resolves every state whose ``__id__`` it has met before to that earlier
    object, whatever else the state holds (a bare ``{"__id__": n}`` too), and its
    audit walks a shared object's whole subtree once per reference. Which occurrence
    of an id skops meets first depends on its loaders' order, so each occurrence
    counts as the largest subtree any occurrence of that id describes: an upper
    bound on skops' walk in any order. Refuse more visits than the limit, nesting
    deeper than MAX_DEPTH with references followed, and an object that refers to
    itself or to an object that is not complete yet (a cycle)."""
    occurrences = {}  # id -> every state that declares a loader under that id
    written = 0  # states written out, shared or not

    def collect(value, depth):
        nonlocal written
        if depth > MAX_DEPTH:
            raise ValueError(f"its objects nest deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            written += "__loader__" in value
            node_id = _node_id(value)
            if node_id is not None and "__loader__" in value:
                occurrences.setdefault(node_id, []).append(value)
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            return
        for item in children:
            collect(item, depth + 1)

    collect(tree, 0)
    limit = max(MAX_OBJECTS, MAX_SHARING * written)
    resolved, open_ids = {}, set()

    def walk(value, depth):
        """(visits, height): skops' audit visits below ``value``, and how many
        levels they reach below it."""
        if depth > MAX_DEPTH:
            raise ValueError(f"its objects nest deeper than {MAX_DEPTH} levels")
        if isinstance(value, list):
            return _combine(0, [walk(item, depth + 1) for item in value])
        if not isinstance(value, dict):
            return 0, 0
        node_id = _node_id(value)
        if node_id not in occurrences:
            return own(value, depth)
        if node_id in open_ids:
            raise ValueError("an object refers to one that is not complete")
        if node_id not in resolved:
            open_ids.add(node_id)
            each = [own(state, depth) for state in occurrences[node_id]]
            open_ids.discard(node_id)
            resolved[node_id] = (
                max(visits for visits, _ in each),
                max(height for _, height in each),
            )
        visits, height = resolved[node_id]
        if depth + height > MAX_DEPTH:
            raise ValueError(f"its objects nest deeper than {MAX_DEPTH} levels")
        return visits, height

    def own(state, depth):
        visits, height = _combine(
            "__loader__" in state, [walk(item, depth + 1) for item in state.values()]
        )
        if visits > limit:
            raise ValueError(
                f"it describes more than {limit} objects, counting shared ones once "
                "per reference"
            )
        return visits, height

    walk(tree, 0)


def _node_id(state):
    """The ``__id__`` under which skops memoizes or looks up ``state``, or None
    (skops skips a false id, and an unhashable one cannot be looked up)."""
    node_id = state.get("__id__")
    return node_id if node_id and isinstance(node_id, (int, float, str)) else None


def _combine(own_visits, children):
    """(visits, height) of a node from its own visits and its children's."""
    return own_visits + sum(visits for visits, _ in children), 1 + max(
        (height for _, height in children), default=0
    )
