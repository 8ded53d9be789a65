package slurm

import (
	"reflect"
	"testing"
)

// A `squeue --json` excerpt from Slurm 22.05 (OpenAPI v0.0.38): array job
// 4 with tasks 0 and 1 running and 2-3 still pending as one record, and an
// unrelated job 9.
const squeue2205 = `{"meta":{},"errors":[],"jobs":[
{"job_id":4,"array_job_id":4,"array_task_id":null,"array_task_string":"2-3","job_state":"PENDING","state_reason":"Resources","exit_code":0,"start_time":1827179043,"end_time":0},
{"job_id":5,"array_job_id":4,"array_task_id":0,"array_task_string":"","job_state":"RUNNING","state_reason":"None","exit_code":0,"start_time":1795643043,"end_time":0},
{"job_id":6,"array_job_id":4,"array_task_id":1,"array_task_string":"","job_state":"FAILED","state_reason":"NonZeroExitCode","exit_code":768,"start_time":1795643043,"end_time":1795643050},
{"job_id":9,"array_job_id":0,"array_task_id":null,"array_task_string":"","job_state":"RUNNING","state_reason":"None","exit_code":0,"start_time":1795643043,"end_time":0}]}`

// The same shapes as later Slurm versions print them (lists of states,
// numbers wrapped in {"set","number"}).
const squeue2311 = `{"jobs":[
{"job_id":12,"array_job_id":{"set":true,"number":12},"array_task_id":{"set":true,"number":0},"array_task_string":"","job_state":["RUNNING","COMPLETING"],"state_reason":"None",
 "exit_code":{"status":["SUCCESS"],"return_code":{"set":true,"number":0},"signal":{"id":{"set":false,"number":0}}},"start_time":{"set":true,"number":1700000000},"end_time":{"set":true,"number":0}}]}`

func TestParseSqueue(t *testing.T) {
	tasks, found, err := parseSqueue([]byte(squeue2205), 4)
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	got := map[int]string{}
	for i, s := range tasks {
		got[i] = s.State + "/" + s.Reason + "/" + exitString(s.ExitCode)
	}
	want := map[int]string{0: "RUNNING/None/0:0", 1: "FAILED/NonZeroExitCode/3:0", 2: "PENDING/Resources/0:0", 3: "PENDING/Resources/0:0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tasks\n got %v\nwant %v", got, want)
	}
	if !tasks[1].terminal() || tasks[0].terminal() || tasks[2].terminal() {
		t.Error("terminal() wrong")
	}
	if _, found, _ := parseSqueue([]byte(squeue2205), 77); found {
		t.Error("job 77 found")
	}
	if _, _, err := parseSqueue([]byte(`{"jobs":[`), 4); err == nil {
		t.Error("truncated JSON accepted")
	}

	tasks, found, err = parseSqueue([]byte(squeue2311), 12)
	if err != nil || !found || len(tasks) != 1 {
		t.Fatalf("23.11 shape: %v %v %v", tasks, found, err)
	}
	if s := tasks[0]; s.State != "COMPLETING" || s.terminal() || s.Start.Unix() != 1700000000 {
		t.Errorf("23.11 shape: %+v", s)
	}
}

func TestExpandTaskString(t *testing.T) {
	for in, want := range map[string][]int{
		"0-3": {0, 1, 2, 3}, "2-7%2": {2, 3, 4, 5, 6, 7}, "1,4-5": {1, 4, 5}, "0-6:3": {0, 3, 6}, "7": {7},
	} {
		got, err := expandTaskString(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a-3", "3-1", "1-x", "0-4:0"} {
		if _, err := expandTaskString(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseScontrolLine(t *testing.T) {
	line := "JobId=6 ArrayJobId=4 ArrayTaskId=1 JobName=rgallery-42 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 ReqB:S:C:T=0:0:*:* Socks/Node=* Command=/tmp/a b/task.sh /tmp/x WorkDir=/tmp"
	m := parseScontrolLine(line)
	for k, v := range map[string]string{"JobId": "6", "ArrayTaskId": "1", "JobState": "FAILED", "ExitCode": "3:0",
		"ReqB:S:C:T": "0:0:*:*", "Socks/Node": "*", "Command": "/tmp/a b/task.sh /tmp/x", "WorkDir": "/tmp"} {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
}
