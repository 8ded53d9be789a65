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
// The package knows nothing of USD, image files or processes: it takes a
// Scene and fills a Film.
package render
