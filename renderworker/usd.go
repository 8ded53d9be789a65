package renderworker

import (
	"context"

	"github.com/rgallery/rgallery/render/usdscene"
)

// LoadUSD is the Config.Load of the command: it converts the USD file with
// usdscene and builds the BVH.
func LoadUSD(ctx context.Context, cfg *Config) (*Loaded, error) {
	res, err := usdscene.Load(ctx, cfg.Scene, usdscene.Options{CameraPath: cfg.CameraPath, RenderSettingsPath: cfg.RenderSettingsPath, DefaultLights: cfg.DefaultLights, SubdivLevel: cfg.SubdivLevel, VariantFallbacks: cfg.VariantFallbacks})
	if err != nil {
		return nil, err
	}
	if err := res.Scene.Build(); err != nil {
		return nil, err
	}
	return &Loaded{Scene: res.Scene, Width: res.Width, Height: res.Height, Warnings: res.Scene.Warnings, DefaultLights: res.DefaultLights}, nil
}
