import math, zlib, struct
def norm(v):
    l=math.sqrt(sum(x*x for x in v)); return [x/l for x in v]
def cross(a,b): return [a[1]*b[2]-a[2]*b[1], a[2]*b[0]-a[0]*b[2], a[0]*b[1]-a[1]*b[0]]
def lookat(P,T,up=(0,1,0)):
    z=norm([P[i]-T[i] for i in range(3)])
    x=norm(cross(up,z)); y=cross(z,x)
    rows=[x+[0],y+[0],z+[0],list(P)+[1]]
    return "( " + ", ".join("(%s)"%", ".join("%.6g"%v for v in r) for r in rows) + " )"
cam=lookat((0.2,1.6,6.2),(0.1,0.55,0))
key=lookat((-2.8,4.2,3.0),(0,0.3,0))
# checker texture 64x64, 8x8 cells
W=64
rows=b""
for y in range(W):
    rows+=b"\x00"
    for x in range(W):
        c = 200 if ((x//8)+(y//8))%2==0 else 120
        rows+=bytes([c,c,c])
def chunk(t,d): return struct.pack(">I",len(d))+t+d+struct.pack(">I",zlib.crc32(t+d)&0xffffffff)
png=b"\x89PNG\r\n\x1a\n"+chunk(b"IHDR",struct.pack(">IIBBBBB",W,W,8,2,0,0,0))+chunk(b"IDAT",zlib.compress(rows,9))+chunk(b"IEND",b"")
open("textures/checker.png","wb").write(png)
scene = f'''#usda 1.0
(
    defaultPrim = "World"
    metersPerUnit = 1
    upAxis = "Y"
    doc = """rgallery example scene, written for rgallery (public domain / CC0).
Three objects on a textured floor, lit by a rect key light and a
blue-grey dome. Renders in seconds with the built-in Local renderer:
    rgallery render examples/scenes/studio.usda"""
)

def Xform "World"
{{
    def Scope "Looks"
    {{
        def Material "Floor"
        {{
            token outputs:surface.connect = </World/Looks/Floor/Surface.outputs:surface>

            def Shader "Surface"
            {{
                uniform token info:id = "UsdPreviewSurface"
                color3f inputs:diffuseColor.connect = </World/Looks/Floor/Checker.outputs:rgb>
                float inputs:roughness = 0.8
                float inputs:ior = 1.5
                token outputs:surface
            }}

            def Shader "Checker"
            {{
                uniform token info:id = "UsdUVTexture"
                asset inputs:file = @./textures/checker.png@
                token inputs:sourceColorSpace = "sRGB"
                token inputs:wrapS = "repeat"
                token inputs:wrapT = "repeat"
                float4 inputs:scale = (0.85, 0.85, 0.85, 1)
                float2 inputs:st.connect = </World/Looks/Floor/UV.outputs:result>
                float3 outputs:rgb
            }}

            def Shader "UV"
            {{
                uniform token info:id = "UsdPrimvarReader_float2"
                string inputs:varname = "st"
                float2 outputs:result
            }}
        }}

        def Material "Gold"
        {{
            token outputs:surface.connect = </World/Looks/Gold/Surface.outputs:surface>
            def Shader "Surface"
            {{
                uniform token info:id = "UsdPreviewSurface"
                color3f inputs:diffuseColor = (1.0, 0.71, 0.29)
                float inputs:metallic = 1
                float inputs:roughness = 0.28
                token outputs:surface
            }}
        }}

        def Material "RedLacquer"
        {{
            token outputs:surface.connect = </World/Looks/RedLacquer/Surface.outputs:surface>
            def Shader "Surface"
            {{
                uniform token info:id = "UsdPreviewSurface"
                color3f inputs:diffuseColor = (0.62, 0.04, 0.03)
                float inputs:roughness = 0.55
                float inputs:clearcoat = 1
                float inputs:clearcoatRoughness = 0.1
                token outputs:surface
            }}
        }}

        def Material "BluePlastic"
        {{
            token outputs:surface.connect = </World/Looks/BluePlastic/Surface.outputs:surface>
            def Shader "Surface"
            {{
                uniform token info:id = "UsdPreviewSurface"
                color3f inputs:diffuseColor = (0.06, 0.2, 0.62)
                float inputs:roughness = 0.3
                token outputs:surface
            }}
        }}
    }}

    def Mesh "Floor" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {{
        int[] faceVertexCounts = [4]
        int[] faceVertexIndices = [0, 1, 2, 3]
        point3f[] points = [(-8, 0, -8), (8, 0, -8), (8, 0, 8), (-8, 0, 8)]
        texCoord2f[] primvars:st = [(0, 0), (8, 0), (8, 8), (0, 8)] (
            interpolation = "vertex"
        )
        uniform token subdivisionScheme = "none"
        rel material:binding = </World/Looks/Floor>
    }}

    def Sphere "GoldBall" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {{
        double radius = 0.6
        double3 xformOp:translate = (-1.35, 0.6, 0.1)
        uniform token[] xformOpOrder = ["xformOp:translate"]
        rel material:binding = </World/Looks/Gold>
    }}

    def Sphere "RedBall" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {{
        double radius = 0.75
        double3 xformOp:translate = (0.05, 0.75, -0.9)
        uniform token[] xformOpOrder = ["xformOp:translate"]
        rel material:binding = </World/Looks/RedLacquer>
    }}

    def Cube "BlueBox" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {{
        double size = 0.9
        double3 xformOp:translate = (1.35, 0.45, 0.35)
        float3 xformOp:rotateXYZ = (0, 28, 0)
        uniform token[] xformOpOrder = ["xformOp:translate", "xformOp:rotateXYZ"]
        rel material:binding = </World/Looks/BluePlastic>
    }}

    def Scope "Lights"
    {{
        def RectLight "Key"
        {{
            float inputs:width = 4
            float inputs:height = 2.5
            float inputs:intensity = 4
            color3f inputs:color = (1, 0.94, 0.86)
            matrix4d xformOp:transform = {key}
            uniform token[] xformOpOrder = ["xformOp:transform"]
        }}

        def DomeLight "Sky"
        {{
            float inputs:intensity = 0.45
            color3f inputs:color = (0.55, 0.65, 0.85)
        }}
    }}

    def Camera "Camera"
    {{
        float focalLength = 35
        float horizontalAperture = 36
        float verticalAperture = 20.25
        float2 clippingRange = (0.1, 100)
        matrix4d xformOp:transform = {cam}
        uniform token[] xformOpOrder = ["xformOp:transform"]
    }}
}}

def Scope "Render"
{{
    def RenderSettings "Settings"
    {{
        rel camera = </World/Camera>
        int2 resolution = (480, 270)
    }}
}}
'''
open("studio.usda","w").write(scene)
