package render

// tri4 is up to four triangles of one BVH leaf in structure-of-arrays form
// (v0, e1, e2 per coordinate), so that one SIMD test covers them
// (tri4_amd64.s). Unused lanes are zero: a zero determinant never hits.
type tri4 struct {
	v [9][4]float64 // v0x v0y v0z e1x e1y e1z e2x e2y e2z
}

// triRay is the ray as tri4AVX reads it.
type triRay struct{ o, d Vec3 }

// tri4Hit receives the four lanes' t, u, v.
type tri4Hit struct{ t, u, v [4]float64 }

// buildPacks fills b.packs and b.packOf from the finished tree and
// b.tris: every leaf's triangles in ceil(count/4) packets, packOf[first
// triangle of the leaf] = its first packet.
func (b *blas) buildPacks() {
	w := b.bvh
	b.packOf = make([]int32, len(b.tris))
	n := 0
	for ni := range w.nodes {
		for k := 0; k < 4; k++ {
			if c := int(w.nodes[ni].count[k]); c > 0 {
				n += (c + 3) / 4
			}
		}
	}
	b.packs = make([]tri4, 0, n)
	for ni := range w.nodes {
		nd := &w.nodes[ni]
		for k := 0; k < 4; k++ {
			c := int32(nd.count[k])
			if c <= 0 {
				continue
			}
			s := nd.child[k]
			b.packOf[s] = int32(len(b.packs))
			for j := int32(0); j < c; j += 4 {
				var p tri4
				for l := int32(0); l < 4 && j+l < c; l++ {
					t := &b.tris[s+j+l]
					p.v[0][l], p.v[1][l], p.v[2][l] = t.v0.X, t.v0.Y, t.v0.Z
					p.v[3][l], p.v[4][l], p.v[5][l] = t.e1.X, t.e1.Y, t.e1.Z
					p.v[6][l], p.v[7][l], p.v[8][l] = t.e2.X, t.e2.Y, t.e2.Z
				}
				b.packs = append(b.packs, p)
			}
		}
	}
}
