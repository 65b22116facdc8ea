#!/usr/bin/env python3
"""Draws a container's syscall timeline as SVG from `oci-ftrace-hook show --format chrome`:
one lane per thread, one bar per call (red when it failed), trace_marker lines as labelled
vertical rules. Python's standard library only.

    oci-ftrace-hook show CONTAINER --format chrome > trace.json
    examples/timeline/timeline.py trace.json > timeline.svg
"""
import html
import json
import sys

WIDTH, LANE, LEFT, TOP = 1100, 26, 170, 40


def main(path):
    events = json.load(open(path))["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "thread_name"}
    calls = [e for e in events if e.get("ph") == "X"]
    marks = [e for e in events if e.get("cat") == "trace_marker"]
    if not calls:
        sys.exit("no calls in the trace")
    start = min(e["ts"] for e in calls)
    end = max(e["ts"] + e["dur"] for e in calls)
    span = max(end - start, 1)
    lanes = sorted({e["tid"] for e in calls}, key=lambda t: min(e["ts"] for e in calls if e["tid"] == t))
    row = {tid: i for i, tid in enumerate(lanes)}
    height = TOP + LANE * len(lanes) + 60
    x = lambda ts: LEFT + (ts - start) / span * (WIDTH - LEFT - 20)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">syscalls per thread, {span / 1000:.2f} ms '
           f'({len(calls)} calls, {sum("error" in e["cat"] for e in calls)} failed)</text>']
    for tid, i in row.items():
        y = TOP + i * LANE
        out.append(f'<rect x="{LEFT}" y="{y}" width="{WIDTH - LEFT - 20}" height="{LANE - 4}" fill="#f3f3f3"/>')
        out.append(f'<text x="10" y="{y + 16}">{html.escape(names.get(tid, str(tid)))}</text>')
    for e in calls:
        y = TOP + row[e["tid"]] * LANE
        w = max(x(e["ts"] + e["dur"]) - x(e["ts"]), 1.2)
        colour = "#d62728" if "error" in e["cat"] else "#1f77b4"
        tip = html.escape(f'{e["name"]}({e["args"].get("args", "")}) = {e["args"].get("result", "")}')
        out.append(f'<rect x="{x(e["ts"]):.1f}" y="{y + 2}" width="{w:.1f}" height="{LANE - 8}" fill="{colour}"><title>{tip}</title></rect>')
    for e in marks:
        mx = x(e["ts"])
        out.append(f'<line x1="{mx:.1f}" y1="{TOP - 6}" x2="{mx:.1f}" y2="{TOP + LANE * len(lanes)}" stroke="#2ca02c" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{mx + 3:.1f}" y="{TOP - 8}" fill="#2ca02c">{html.escape(e["name"])}</text>')
    axis = TOP + LANE * len(lanes) + 18
    for k in range(6):
        t = start + span * k / 5
        out.append(f'<text x="{x(t) - 12:.1f}" y="{axis}">{(t - start) / 1000:.2f} ms</text>')
    out.append(f'<text x="10" y="{axis + 24}" fill="#555">blue: a call, from enter to exit; red: it failed; '
               f'green: the container\'s own trace_marker lines</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
