package usd

import (
	"strconv"
	"strings"
)

// UDIM texture sets: an asset path with the "<UDIM>" token names up to 100
// tiles, 1001 to 1100 (tile 1001 + u + 10·v covers [u, u+1) × [v, v+1) in
// st space). OpenUSD leaves such a path unresolved in the value
// (usd-core 26.11 gives an empty resolvedPath) and resolves the tiles in
// imaging: UsdShadeUdimUtils::ResolveUdimTilePaths
// (pxr/usd/usdShade/udimUtils.cpp) replaces the token by each tile number
// and resolves the result against the layer that authored the path,
// keeping the tiles that exist.

// UDIMToken is the tile-number placeholder of a UDIM asset path.
const UDIMToken = "<UDIM>"

// UDIMTiles resolves the tiles of the UDIM asset path the attribute holds
// at time t, anchored at the layer of its strongest opinion: tile number
// to resolved path. It is empty when the value is not a UDIM path or no
// tile exists.
func (a *Attribute) UDIMTiles(t TimeCode) map[int]string {
	if a == nil {
		return nil
	}
	v, ok := a.Get(t)
	if !ok {
		return nil
	}
	ap, ok := v.(AssetPath)
	if !ok || !strings.Contains(ap.Authored, UDIMToken) {
		return nil
	}
	var anchor string
	a.opinions(func(o opinion) bool {
		if o.spec.Has("default") || o.spec.Has("timeSamples") {
			anchor = o.layer.Identifier
			return false
		}
		return true
	})
	if anchor == "" {
		return nil
	}
	out := map[int]string{}
	for tile := 1001; tile <= 1100; tile++ {
		p := strings.ReplaceAll(ap.Authored, UDIMToken, strconv.Itoa(tile))
		if r, err := a.prim.stage.loader.res.Resolve(p, anchor); err == nil && r != "" {
			out[tile] = r
		}
	}
	return out
}
