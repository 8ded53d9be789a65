package usd_test

import (
	"fmt"

	"github.com/rgallery/rgallery/usd"
)

// Open a scene, walk its prims and read meshes, transforms and materials
// at a time code.
func Example() {
	s, err := usd.Open("testdata/resolve_root.usda")
	if err != nil {
		fmt.Println(err)
		return
	}
	t := s.StartTimeCode()
	for p := range s.Traverse() {
		if p.TypeName() != "Mesh" || p.Path() != "/World/Quad" {
			continue
		}
		m, _ := p.Mesh(t)
		st, _ := p.Primvar("st", t)
		mat := usd.ComputeBoundMaterial(p)
		surface, _ := mat.MaterialSurface("")
		color, _, _ := surface.ShaderInput("diffuseColor")
		fmt.Println(p.Path(), len(m.Points), "points,", m.SubdivisionScheme)
		fmt.Println("st:", st.Interpolation, st.Indices)
		fmt.Println("material:", mat.Path(), surface.ShaderID(), color)
	}
	ball := s.PrimAtPath("/World/Ball")
	r, _ := ball.Attribute("radius").Float(20)
	fmt.Println("radius at 20:", r)
	// Output:
	// /World/Quad 4 points, catmullClark
	// st: faceVarying [0 1 1 0]
	// material: /World/Looks/Red UsdPreviewSurface [1 0 0]
	// radius at 20: 50
}
