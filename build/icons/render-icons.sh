#!/bin/sh
# Renders the PNG icon sizes from cohabit.svg (needs rsvg-convert, Debian's librsvg2-bin). The PNGs
# are committed, so building the packages needs no SVG renderer; run this after editing the SVG.
set -eu
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" --output "${size}x${size}.png" cohabit.svg
done
