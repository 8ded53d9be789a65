// Reads an EXR with OpenEXR's RgbaInputFile and writes R,G,B,A as raw half
// values (little endian), preceded by width and height.
#include <ImfRgbaFile.h>
#include <ImfArray.h>
#include <cstdio>
using namespace Imf; using namespace Imath;
int main(int argc, char** argv) {
  RgbaInputFile in(argv[1]);
  Box2i dw = in.dataWindow();
  int w = dw.max.x - dw.min.x + 1, h = dw.max.y - dw.min.y + 1;
  Array2D<Rgba> p(h, w);
  in.setFrameBuffer(&p[0][0] - dw.min.x - dw.min.y * w, 1, w);
  in.readPixels(dw.min.y, dw.max.y);
  FILE* f = fopen(argv[2], "wb");
  fwrite(&w, 4, 1, f); fwrite(&h, 4, 1, f);
  fwrite(&p[0][0], sizeof(Rgba), (size_t)w*h, f);
  fclose(f);
}
