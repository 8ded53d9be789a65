package proc

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// These run on macOS only (no macOS machine in CI): they pin the sysctl
// reading of procfs_darwin.go and the gopsutil memory sampler.

// The group and the tree come from sysctl: a shell with two sleeping
// children is one group of three, Stop ends all of them, and the group's
// GroupID start time is the leader's.
func TestDarwinGroupTreeAndStop(t *testing.T) {
	p, err := Start(exec.Command("sh", "-c", "sleep 600 & sleep 600 & wait"), Options{SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill(context.Background())
	var members []int
	for deadline := time.Now().Add(10 * time.Second); len(members) < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("group %d members %v, want the shell and two sleeps", p.Pid(), members)
		}
		time.Sleep(20 * time.Millisecond)
		members, err = GroupMembers(p.Pid())
		if err != nil {
			t.Fatal(err)
		}
	}
	tree := Descendants(p.Pid())
	for _, pid := range members {
		if !slices.Contains(tree, pid) {
			t.Errorf("group member %d is not in the tree %v", pid, tree)
		}
	}
	if rss := p.SampleMemory(); rss == 0 {
		t.Error("RSS of the tree = 0")
	}
	if g := p.GroupID(); g.Start == 0 {
		t.Error("GroupID has no start time")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Stop(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, pid := range members {
		if Alive(pid) {
			t.Errorf("pid %d alive after Stop", pid)
		}
	}
}

// A pid that does not exist is not read as an empty record.
func TestDarwinReadStatOfMissingPid(t *testing.T) {
	if _, err := readStat(1 << 30); err == nil {
		t.Error("readStat of a pid that cannot exist gave no error")
	}
}
