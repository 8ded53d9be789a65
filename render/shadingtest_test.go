package render

import "math/rand"

// shadingTestMaterials are the opaque materials the BSDF tests sweep: the
// default, a Lambertian, gold metal, a sharp specular-workflow lobe, a
// clearcoat over a half-metal, and no interface (IOR 1: no specular lobe).
func shadingTestMaterials() []*Material {
	mats := []*Material{DefaultMaterial(), Lambert(Vec3{0.8, 0.5, 0.2})}
	m := DefaultMaterial()
	m.DiffuseColor.Value, m.Metallic.Value, m.Roughness.Value = Vec3{1, 0.71, 0.29}, 1, 0.3
	mats = append(mats, m)
	m = DefaultMaterial()
	m.UseSpecularWorkflow, m.SpecularColor.Value, m.Roughness.Value = true, Vec3{0.3, 0.2, 0.1}, 0.05
	mats = append(mats, m)
	m = DefaultMaterial()
	m.Clearcoat.Value, m.ClearcoatRoughness.Value, m.Roughness.Value, m.Metallic.Value = 0.7, 0.1, 0.6, 0.4
	mats = append(mats, m)
	m = DefaultMaterial()
	m.IOR, m.Roughness.Value = 1, 0.9
	return append(mats, m)
}

// randomUnit returns a function drawing uniform unit vectors from rng.
func randomUnit(rng *rand.Rand) func() Vec3 {
	return func() Vec3 {
		for {
			v := Vec3{2*rng.Float64() - 1, 2*rng.Float64() - 1, 2*rng.Float64() - 1}
			if l := v.Len(); l > 0.1 && l <= 1 {
				return v.Scale(1 / l)
			}
		}
	}
}
