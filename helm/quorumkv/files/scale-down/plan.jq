# Which members a scale-down to $target pods decommissions, in order: every member named
# "<$prefix>-<ordinal>" (a pod of the StatefulSet) with ordinal >= $target that has not LEFT,
# highest ordinal first (the order in which the StatefulSet removes pods). Members named
# otherwise (added by hand) are not the chart's to remove. Input: GET /admin/topology.
[ .members[]
  | select(.state != "LEFT")
  | select(.id | startswith($prefix + "-"))
  | (.id | ltrimstr($prefix + "-")) as $rest
  | select($rest | test("^[0-9]+$"))
  | {id, ordinal: ($rest | tonumber)}
  | select(.ordinal >= $target) ]
| sort_by(-.ordinal)
| .[].id
