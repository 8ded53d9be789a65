package render

import (
	"math/bits"
	"math/rand"
	"testing"
)

// plainGet2D is the sampler's definition written as the plain chain:
// shuffle the index, take the 2D Sobol point, Owen-scramble each
// coordinate.
func plainGet2D(pixelSeed, index, dim uint32) (float64, float64) {
	h := hash2(pixelSeed, dim)
	i := owenScramble(index, hash1(h^0x9e3779b9))
	x, y := sobol2(i)
	x = owenScramble(x, h)
	y = owenScramble(y, hash1(h+0x68bc21eb))
	return toUnit(x), toUnit(y)
}

// The reversed-domain sampler hands out exactly the numbers of the plain
// chain, for pairs and single values, past the dimension table too, so
// images stay the same for a seed.
func TestSamplerMatchesPlainOwenChain(t *testing.T) {
	var s Sampler
	indices := []int{0, 1, 2, 3, 7, 63, 64, 255, 256, 1000, 65535, 1 << 20, 1<<31 - 1}
	for _, seed := range []uint32{0, 3, 0xdeadbeef} {
		for _, px := range [][2]int{{0, 0}, {5, 9}, {639, 359}, {4000, 3000}} {
			for _, idx := range indices {
				s.Start(seed, px[0], px[1], idx)
				ps := hash3(uint32(px[0]), uint32(px[1]), seed)
				for dim := uint32(0); dim < 200; dim++ {
					wx, wy := plainGet2D(ps, uint32(idx), dim)
					if dim%3 == 2 {
						if u := s.Get1D(); u != wx {
							t.Fatalf("seed %d pixel %v sample %d dim %d: Get1D %v, want %v", seed, px, idx, dim, u, wx)
						}
						continue
					}
					u, v := s.Get2D()
					if u != wx || v != wy {
						t.Fatalf("seed %d pixel %v sample %d dim %d: Get2D (%v, %v), want (%v, %v)", seed, px, idx, dim, u, v, wx, wy)
					}
				}
			}
		}
	}
}

func BenchmarkSamplerGet2D(b *testing.B) {
	var s Sampler
	var acc float64
	for i := 0; b.Loop(); i++ {
		if i&15 == 0 {
			s.Start(7, i&511, i>>9&511, i>>4)
		}
		u, v := s.Get2D()
		acc += u + v
	}
	sinkFloat = acc
}

func BenchmarkSamplerPlainGet2D(b *testing.B) {
	var acc float64
	ps := hash3(1, 2, 7)
	for i := 0; b.Loop(); i++ {
		u, v := plainGet2D(ps, uint32(i>>4), uint32(i&15))
		acc += u + v
	}
	sinkFloat = acc
}

var sinkFloat float64

// sobol3Plain is the first three Sobol dimensions of i by the textbook
// construction (direction numbers from the recurrences), unscrambled.
func sobol3Plain(i uint32) (uint32, uint32, uint32) {
	var vy, vz [32]uint32
	vy[0], vz[0], vz[1] = 1<<31, 1<<31, 3<<29
	for k := 1; k < 32; k++ {
		vy[k] = vy[k-1] ^ vy[k-1]>>1
		if k >= 2 {
			vz[k] = vz[k-1] ^ vz[k-2] ^ vz[k-2]>>2
		}
	}
	var y, z uint32
	for k := 0; k < 32; k++ {
		if i&(1<<k) != 0 {
			y ^= vy[k]
			z ^= vz[k]
		}
	}
	return bits.Reverse32(i), y, z
}

// Get3D's triple is the plain chain (shuffle, Sobol point, Owen scramble
// per coordinate), its first two values Get2D's pair, and the first 2^m
// samples of a pixel form a (1, m, 3)-net: every box of volume 2^(1-m)
// with power-of-two sides holds exactly two of them, which is the joint
// stratification of a choice (z) and a 2D sample (x, y) the integrator
// relies on.
func TestSampler3DIsAJointlyStratifiedNet(t *testing.T) {
	var s Sampler
	for _, px := range [][2]int{{0, 0}, {5, 9}, {300, 170}} {
		ps := hash3(uint32(px[0]), uint32(px[1]), 1)
		for idx := 0; idx < 300; idx += 7 {
			for dim := uint32(0); dim < 12; dim++ {
				s.Start(1, px[0], px[1], idx)
				s.dim = dim
				x, y, z := s.Get3D()
				s.dim = dim
				x2, y2 := s.Get2D()
				h := hash2(ps, dim)
				i := owenScramble(uint32(idx), hash1(h^0x9e3779b9))
				_, _, pz := sobol3Plain(i)
				wz := toUnit(owenScramble(pz, hash1(h+0x2c1b3c6d)))
				if x != x2 || y != y2 || z != wz {
					t.Fatalf("pixel %v sample %d dim %d: Get3D (%v %v %v), Get2D (%v %v), plain z %v", px, idx, dim, x, y, z, x2, y2, wz)
				}
			}
		}
	}
	for i := uint32(0); i < 1024; i++ {
		_, y, z := sobol3Plain(i)
		if sobolZRev(i) != bits.Reverse32(z) || sobolYRev(i) != bits.Reverse32(y) {
			t.Fatalf("index %d: table z %x, plain %x", i, sobolZRev(i), bits.Reverse32(z))
		}
	}
	for _, m := range []int{4, 6, 8} {
		n := 1 << m
		for _, px := range [][2]int{{0, 0}, {17, 3}} {
			pts := make([][3]float64, n)
			for k := range pts {
				s.Start(9, px[0], px[1], k)
				s.dim = 5
				pts[k][0], pts[k][1], pts[k][2] = s.Get3D()
			}
			// every split of m-1 bits among the three axes
			for a := 0; a <= m-1; a++ {
				for b := 0; a+b <= m-1; b++ {
					c := m - 1 - a - b
					cnt := map[[3]int]int{}
					for _, p := range pts {
						cnt[[3]int{int(p[0] * float64(int(1)<<a)), int(p[1] * float64(int(1)<<b)), int(p[2] * float64(int(1)<<c))}]++
					}
					for k, v := range cnt {
						if v != 2 {
							t.Fatalf("m=%d pixel %v split (%d,%d,%d): box %v holds %d samples, want 2", m, px, a, b, c, k, v)
						}
					}
					if len(cnt) != n/2 {
						t.Fatalf("m=%d split (%d,%d,%d): %d boxes filled, want %d", m, a, b, c, len(cnt), n/2)
					}
				}
			}
		}
	}
}

// The memo of per-pixel hashes changes no value: runs of samples of one
// pixel with paths of different lengths and mixed Get1D/Get2D/Get3D, the
// pixel changing between runs (and coming back), past the memo's length,
// against a fresh sampler for every sample.
func TestSamplerMemoIsPure(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var s Sampler
	pixels := [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {7, 3}, {639, 359}}
	for run := 0; run < 300; run++ {
		px := pixels[rng.Intn(len(pixels))]
		seed := uint32(rng.Intn(2))
		n := 1 + rng.Intn(20)
		for k := 0; k < n; k++ {
			idx := rng.Intn(1 << 12)
			var f Sampler
			s.Start(seed, px[0], px[1], idx)
			f.Start(seed, px[0], px[1], idx)
			dims := rng.Intn(len(dimHashes) + 40)
			for d := 0; d < dims; d++ {
				var a, b [3]float64
				switch rng.Intn(3) {
				case 0:
					a[0], b[0] = s.Get1D(), f.Get1D()
				case 1:
					a[0], a[1] = s.Get2D()
					b[0], b[1] = f.Get2D()
				default:
					a[0], a[1], a[2] = s.Get3D()
					b[0], b[1], b[2] = f.Get3D()
				}
				if a != b {
					t.Fatalf("run %d pixel %v sample %d dim %d: %v, fresh sampler %v", run, px, idx, d, a, b)
				}
			}
		}
	}
}
