package usdscene

import (
	"context"
	"testing"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

func TestXformOps(t *testing.T) {
	st, err := usd.Open("testdata/xforms.usda")
	if err != nil {
		t.Fatal(err)
	}
	c := &conv{ctx: context.Background(), st: st, time: usd.Default, sc: &render.Scene{}, warn: map[string]int{}, xforms: map[string]render.Matrix{}}
	cases := []struct {
		path     string
		in, want render.Vec3
	}{
		// translate then scale: p·S·T.
		{"/Parent", render.Vec3{X: 1}, render.Vec3{X: 12}},
		// Rotation by 90° about Z around the pivot (1,0,0): (2,0,0) → (1,1,0),
		// then the parent: ×2 + (10,0,0).
		{"/Parent/Child", render.Vec3{X: 2}, render.Vec3{X: 12, Y: 2}},
		// !resetXformStack! drops the parent.
		{"/Parent/Reset", render.Vec3{}, render.Vec3{Y: 5}},
		// 90° about Y: +X goes to −Z, then the parent.
		{"/Parent/Orient", render.Vec3{X: 1}, render.Vec3{X: 10, Z: -2}},
	}
	for _, tc := range cases {
		m := c.world(st.PrimAtPath(tc.path))
		got := m.Point(tc.in)
		if got.Sub(tc.want).Len() > 1e-5 {
			t.Errorf("%s: %v → %v, want %v", tc.path, tc.in, got, tc.want)
		}
	}
	if len(c.warn) != 0 {
		t.Errorf("warnings: %v", c.warn)
	}
}
