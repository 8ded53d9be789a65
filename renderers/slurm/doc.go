// Package slurm is the built-in "Slurm Farm" background renderer: it renders
// a scene on a Slurm cluster as one array job whose tasks each run
// `rgallery render-worker` on a disjoint range of samples.
//
// A render goes like this:
//
//  1. StartBackgroundRender copies the scene and its dependency closure
//     (sublayers, references, payloads, textures, as usd.Stage.Deps lists
//     them) into a fresh job dir under the farm root, writes the task script
//     and submits `sbatch --parsable --array=0-(N-1)`. Every argument is
//     passed as argv; no shell sees user input.
//  2. Each task renders samples [i*spp/N, (i+1)*spp/N) with the same seed
//     and writes its raw film (fixed-point sums, see render.Film) after every
//     pass; a small loop in the task script turns the job dir's focus file
//     into `focus X Y` lines on the worker's stdin.
//  3. IsRenderFinished reads the array's task states (squeue --json, filtered
//     here because Slurm 22.05 ignores -j with --json), merges the films
//     that changed (exactly: integer sums, so N tasks give the bits one task
//     would) into render.exr with render.png beside it, and reports
//     percentDone (samples done / total), totalClockTime (since submission),
//     peakMemory (the largest worker's) and the queue state.
//  4. StopBackgroundRender runs scancel and waits until every task is in a
//     terminal state.
//  5. The job id and job dir form the attach token, so a restarted owner
//     re-attaches (bgrender.Detacher) and the render finishes normally.
//
// The render options the tasks' workers get are the Local renderer's, with
// its names and defaults (subdivLevel 2, defaultLights auto, filter box,
// aovs on, variantFallbacks empty: $RGALLERY_VARIANT_FALLBACKS), so a farm
// render equals a Local render of the same samples bit for bit, every
// layer included. The packaged closure holds the files of every variant,
// so whichever one a fallback selects is on the nodes. denoise
// runs once on the merged film (render.Film.Denoise, as the Local worker
// does on its own film), never in the tasks. adaptiveThreshold is refused:
// each task would stop pixels on the noise of its own share of the
// samples, and the merge would equal neither one render of all the samples
// nor an adaptive one.
//
// A task that ends in any state but COMPLETED fails the whole render at
// once: the rest of the array is cancelled, the merged image of what was
// rendered is kept, and the error carries Slurm's state, exit code and
// reason with the last line of the task's stderr. A job that disappears from
// the queue before all tasks finished fails the render, unless every task's
// film turns out complete.
//
// The package does not schedule anything itself and does not start a
// cluster (scripts/slurm-dev.sh does, for development); it talks to
// whatever cluster the Slurm client tools on PATH reach (SLURM_CONF), or to
// slurmrestd when RGALLERY_SLURMRESTD and a token are set (see rest.go).
package slurm
