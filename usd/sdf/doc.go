// Package sdf is the layer data model of the USD reader: what one file says,
// before any composition.
//
// A Layer is a map from scene paths to Specs, as in OpenUSD's Sdf: every
// spec (the pseudo-root "/", prims, properties, variant sets and variants)
// carries an ordered list of fields named with the Sdf field keys
// ("specifier", "typeName", "primChildren", "default", "timeSamples",
// "references", "inheritPaths", "variantSelection", ...). Both the usda
// parser and the crate (usdc) reader produce this model, so the composition
// engine (package pcp) and the writer need to know only one shape.
//
// Field values use the Go types documented in package usd (Token, AssetPath,
// Vec3f, []Vec3f, map[string]any, ListOp[T], ...). A value may be Lazy: the
// crate reader defers decoding of large arrays until Spec.Get asks for it.
//
// Path expression values are checked against SdfPathExpression's grammar
// (CheckPathExpression, pathExpression.cpp ParsePathExpression): as in
// usd-core, an ill-formed one is read as the empty expression and the
// error is kept in the layer's DecodeErrors (reported by Stage.Errors).
//
// sdf does not compose, resolve asset paths or interpret schemas.
package sdf
