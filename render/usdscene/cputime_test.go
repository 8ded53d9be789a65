package usdscene

import (
	"time"

	"github.com/rgallery/rgallery/internal/cputime"
)

func cpuTime() time.Duration { return cputime.Process() }
