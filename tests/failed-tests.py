#!/usr/bin/env python3
"""Prints each failed test of a TRX file with the first lines of its message and stack trace, so
the end of a long CI log says what failed and why."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
MAX_LINES = 40


def lines(text):
    return [line for line in (text or "").splitlines() if line.strip()]


def main(path):
    for result in ET.parse(path).getroot().iter(NS + "UnitTestResult"):
        if result.get("outcome") != "Failed":
            continue
        print("  " + result.get("testName", "?"))
        info = result.find(f"{NS}Output/{NS}ErrorInfo")
        if info is None:
            continue
        text = lines(info.findtext(NS + "Message")) + lines(info.findtext(NS + "StackTrace"))
        for line in text[:MAX_LINES]:
            print("    " + line)
        if len(text) > MAX_LINES:
            print(f"    ... {len(text) - MAX_LINES} more lines in the TRX file")


if __name__ == "__main__":
    main(sys.argv[1])
