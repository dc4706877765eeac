#!/bin/sh
# Rebuilds HangulGothic.ttf from Debian 12's fonts-nanum (20200506-1) with
# python3-fonttools (4.38.0): Hangul syllables and jamo of NanumGothic, no
# hinting, renamed (NanumGothic is a Reserved Font Name of its SIL OFL 1.1
# licence, which a modified version such as a subset may not use).
set -eu
src=${1:-/usr/share/fonts/truetype/nanum/NanumGothic.ttf}
out=$(dirname "$0")/HangulGothic.ttf
python3 -m fontTools.subset "$src" --output-file="$out" \
  --unicodes=U+1100-11FF,U+3130-318F,U+A960-A97F,U+AC00-D7A3,U+D7B0-D7FF \
  --layout-features= --no-hinting --drop-tables+=TSI0,TSI1,TSI2,TSI3,TSI5,kern \
  --name-IDs='*' --name-languages='*' --name-legacy
python3 - "$out" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1], recalcTimestamp=False)
names = {1: "HangulGothic", 3: "HangulGothic-Regular;subset of NanumGothic 3.021",
         4: "HangulGothic", 6: "HangulGothic-Regular", 16: "HangulGothic"}
name = f["name"]
for nid in list(names) + [20]:  # 20: the original's PostScript CID name
    name.removeNames(nameID=nid)
for nid, s in names.items():
    name.setName(s, nid, 3, 1, 0x409)
    name.setName(s, nid, 1, 0, 0)
f["head"].modified = f["head"].created  # reproducible output
f.save(sys.argv[1])
PY
