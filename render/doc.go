// Package render is rgallery's progressive path tracer.
//
// A Scene is built in Go (meshes, instances, materials, lights, a camera),
// either directly or by an adapter such as render/usdscene; Scene.Build makes
// the two-level BVH. Render then traces unidirectional paths with next-event
// estimation and multiple importance sampling into a Film, pass after pass,
// rendering tiles near the focus point first.
//
// Randomness is a pure function of (pixel, sample index, dimension, seed), so
// a sample range [a, b) rendered anywhere adds exactly the same radiance as
// the same range inside a longer render; this is what lets farm tasks merge.
//
// Sampling and output (each file's comment cites its reference):
//   - lightselect.go: next-event estimation picks a light with probability
//     proportional to its estimated power (pbrt-v4's PowerLightSampler),
//     or with up to 8 lights at each shading point by Cycles' light tree
//     rule (upper and lower importance bounds, kernel/light/tree.h);
//     Settings.UniformLights restores the uniform choice.
//   - integrator.go: Settings.FilterGlossy is Cycles' Filter Glossy
//     (blurs microfacet lobes after unlikely bounces; biased, off by
//     default in Settings, on at Cycles' 1.0 in the render-worker command).
//   - adaptive.go: Settings.AdaptiveThreshold > 0 stops converged pixels
//     (Cycles' adaptive sampling error estimate); Progress counts the
//     samples really planned.
//   - filter.go: Settings.Filter chooses box (default) or Cycles'
//     Blackman-Harris pixel filter, applied by importance sampling so the
//     film stays a plain per-pixel sum.
//   - aov.go: Settings.AOVs makes the film accumulate albedo, normal, depth,
//     coverage, emission and diffuse/specular direct/indirect passes, merged
//     as exactly as the beauty; Film.Layers returns them.
//   - denoise.go: Film.Denoise, an albedo/normal/depth-guided à-trous filter
//     for previews; it never changes the film.
//
// The package knows nothing of USD, image files or processes: it takes a
// Scene and fills a Film.
package render
