// Package subdiv refines polygon meshes by uniform subdivision: Catmull-Clark,
// Loop (triangle meshes) and bilinear, with the tags a UsdGeomMesh carries
// (edge creases, corners, holes, boundary interpolation, face-varying linear
// interpolation). It is a geometry pass before the BVH build; it knows
// nothing of USD or of the renderer's types.
//
// The rules are OpenSubdiv's, as its documentation states them
// (https://graphics.pixar.com/opensubdiv/docs/subdivision_surfaces.html,
// and the Sdc "Catmark"/"Loop" scheme masks):
//
//   - Catmull-Clark face point: the average of the face's vertices. Edge
//     point: (v0 + v1 + f0 + f1)/4 for a smooth edge between two faces, the
//     midpoint for a sharp, boundary or non-manifold edge. Vertex point of
//     valence n: (Q + 2R + (n−3)S)/n, Q the average of the adjacent face
//     points, R the average of the adjacent edge midpoints, S the vertex.
//   - Loop edge point: 3/8 (v0+v1) + 1/8 (o0+o1), o the opposite vertices;
//     vertex point (1 − nβ) S + β Σ neighbours with
//     β = (5/8 − (3/8 + cos(2π/n)/4)²)/n.
//   - Creases (DeRose, Kass, Truong 1998, as in OpenSubdiv's Sdc::Crease):
//     a vertex with two sharp incident edges moves by the crease rule
//     (e0 + 6S + e1)/8, one with more than two, or with a sharpness of its
//     own, stays (corner rule); a sharp edge's point is its midpoint.
//     Semi-sharp values decrease by one per level (the "simple" rule, no
//     Chaikin smoothing of sharpness along a crease); an edge of sharpness
//     s in (0,1) blends the smooth and sharp edge points by s, and a vertex
//     whose rule changes between this level and the next blends the two by
//     the average sharpness of the edges that change. Sharpness 10 or more is
//     infinite (Sdc::Crease::SHARPNESS_INFINITE).
//   - Boundaries (Sdc::Options::VtxBoundaryInterpolation): boundary and
//     non-manifold edges are infinitely sharp; EdgeAndCorner also makes a
//     vertex with a single incident face a corner; None leaves out every
//     face that touches the boundary (the surface stops short of it, as
//     RenderMan's interpolateboundary 0).
//   - Face-varying values (Sdc::Options::FVarLinearInterpolation) refine on
//     their own topology of (point, value) pairs, seams being boundaries,
//     with the points' crease and corner sharpness; which values are
//     corners follows Vtr::FVarLevel::completeTopologyFromFaceValues: None
//     adds none, CornersOnly makes a value with a single face a corner,
//     CornersPlus1 also every value where three or more meet, CornersPlus2
//     also both values where two meet and one is a corner, and darts (a
//     seam ending inside the mesh); Boundaries keeps every boundary value
//     at every level (linear along boundaries), All is bilinear.
//   - Holes are refined like other faces (they shape their neighbours) and
//     left out of the result.
//
// With Options.Limit the final level's vertices are moved to their limit
// positions (Catmull-Clark (n²S + 4Σe + Σf)/(n(n+5)) on the all-quad
// refined mesh, Loop (1 − nγ)S + γΣe with γ = 1/(n + 3/(8β)), crease
// (e0 + 4S + e1)/6, corners fixed): exact where the final level's
// neighbourhood is regular, a local approximation next to corners, crease
// ends and extraordinary boundary points (OpenSubdiv evaluates patches
// there; the two differ by up to a few percent of an edge). Normals are
// the area-weighted normals of that mesh, split across infinitely sharp
// edges (not the limit surface's exact tangents). Face-varying values are
// not pushed to the limit.
//
// internal/oracle TestOracleSubdiv checks all of this against OpenSubdiv as
// Blender's Subdivision Surface modifier drives it.
package subdiv
