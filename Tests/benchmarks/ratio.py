"""Print the ratio of the mean times of the first two commands in a hyperfine JSON export."""

import json
import sys

first, second = json.load(open(sys.argv[1]))["results"][:2]
print(f"ratio: '{first['command']}' takes {first['mean'] / second['mean']:.2f}x the mean time of '{second['command']}'")
