package render

// Matrix is an affine transform in USD's row-vector convention: a point p
// maps to p·M, so the translation is in the last row (M[3][0..2]).
type Matrix [4][4]float64

// Identity is the identity transform.
var Identity = Matrix{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}

// Point transforms a point.
func (m *Matrix) Point(p Vec3) Vec3 {
	return Vec3{
		p.X*m[0][0] + p.Y*m[1][0] + p.Z*m[2][0] + m[3][0],
		p.X*m[0][1] + p.Y*m[1][1] + p.Z*m[2][1] + m[3][1],
		p.X*m[0][2] + p.Y*m[1][2] + p.Z*m[2][2] + m[3][2],
	}
}

// Dir transforms a direction (no translation).
func (m *Matrix) Dir(d Vec3) Vec3 {
	return Vec3{
		d.X*m[0][0] + d.Y*m[1][0] + d.Z*m[2][0],
		d.X*m[0][1] + d.Y*m[1][1] + d.Z*m[2][1],
		d.X*m[0][2] + d.Y*m[1][2] + d.Z*m[2][2],
	}
}

// Normal transforms a normal of a surface transformed by m; it uses the
// inverse transpose, which in row-vector form is n·(M⁻¹)ᵀ, given inv = M⁻¹.
func (inv *Matrix) Normal(n Vec3) Vec3 {
	return Vec3{
		n.X*inv[0][0] + n.Y*inv[0][1] + n.Z*inv[0][2],
		n.X*inv[1][0] + n.Y*inv[1][1] + n.Z*inv[1][2],
		n.X*inv[2][0] + n.Y*inv[2][1] + n.Z*inv[2][2],
	}
}

// Mul returns a·b: apply a first, then b (row vectors).
func (a Matrix) Mul(b Matrix) Matrix {
	var r Matrix
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			var s float64
			for k := 0; k < 4; k++ {
				s += a[i][k] * b[k][j]
			}
			r[i][j] = s
		}
	}
	return r
}

// Inverse returns the inverse of m and false if m is singular.
func (m Matrix) Inverse() (Matrix, bool) {
	// Gauss-Jordan with partial pivoting; 4x4 is small enough.
	a := m
	inv := Identity
	for c := 0; c < 4; c++ {
		p := c
		for r := c + 1; r < 4; r++ {
			if abs(a[r][c]) > abs(a[p][c]) {
				p = r
			}
		}
		if abs(a[p][c]) < 1e-300 {
			return Matrix{}, false
		}
		a[c], a[p] = a[p], a[c]
		inv[c], inv[p] = inv[p], inv[c]
		d := 1 / a[c][c]
		for j := 0; j < 4; j++ {
			a[c][j] *= d
			inv[c][j] *= d
		}
		for r := 0; r < 4; r++ {
			if r == c || a[r][c] == 0 {
				continue
			}
			f := a[r][c]
			for j := 0; j < 4; j++ {
				a[r][j] -= f * a[c][j]
				inv[r][j] -= f * inv[c][j]
			}
		}
	}
	return inv, true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Translate returns a translation.
func Translate(v Vec3) Matrix {
	m := Identity
	m[3][0], m[3][1], m[3][2] = v.X, v.Y, v.Z
	return m
}

// ScaleMatrix returns a scale.
func ScaleMatrix(v Vec3) Matrix {
	m := Identity
	m[0][0], m[1][1], m[2][2] = v.X, v.Y, v.Z
	return m
}
