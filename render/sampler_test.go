package render

import "testing"

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
