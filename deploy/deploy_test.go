package deploy

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	yamlv3 "gopkg.in/yaml.v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/m365audit/m365audit/batch"
)

type kubeObjects struct {
	sa        corev1.ServiceAccount
	tenants   corev1.ConfigMap
	pvc       corev1.PersistentVolumeClaim
	cronjobs  map[string]batchv1.CronJob
	documents int
}

// decode splits the manifest and decodes each document strictly (unknown
// fields are errors) into its k8s.io/api type.
func decode(t *testing.T, path string) kubeObjects {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs := kubeObjects{cronjobs: map[string]batchv1.CronJob{}}
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		objs.documents++
		switch head.APIVersion + "/" + head.Kind {
		case "v1/ServiceAccount":
			strict(t, doc, &objs.sa)
		case "v1/ConfigMap":
			strict(t, doc, &objs.tenants)
		case "v1/PersistentVolumeClaim":
			strict(t, doc, &objs.pvc)
		case "batch/v1/CronJob":
			var cj batchv1.CronJob
			strict(t, doc, &cj)
			objs.cronjobs[cj.Name] = cj
		default:
			t.Fatalf("unexpected object %s %s", head.APIVersion, head.Kind)
		}
	}
	return objs
}

func strict(t *testing.T, doc []byte, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		t.Fatalf("strict decode: %v\n%s", err, doc)
	}
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// TestKubernetesManifests decodes the manifests strictly with k8s.io/api
// types and checks the wiring: image, args, the index, the service account
// and workload identity, the volume, and --shards equal to completions so
// that indexes 0 … completions−1 cover every tenant exactly once.
func TestKubernetesManifests(t *testing.T) {
	o := decode(t, "kubernetes/m365audit.yaml")
	if o.documents != 5 {
		t.Errorf("%d documents", o.documents)
	}
	if o.sa.Annotations["azure.workload.identity/client-id"] == "" {
		t.Error("service account lacks the workload identity client id annotation")
	}
	if !slices.Contains(o.pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Error("the runs volume must be ReadWriteMany (shards on several nodes)")
	}
	cj, ok := o.cronjobs["m365audit-batch"]
	if !ok {
		t.Fatal("no m365audit-batch CronJob")
	}
	if f := strings.Fields(cj.Spec.Schedule); len(f) != 5 || f[2] != "1" || f[3] != "*" {
		t.Errorf("schedule %q is not monthly", cj.Spec.Schedule)
	}
	js := cj.Spec.JobTemplate.Spec
	if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
		t.Error("the batch Job is not Indexed")
	}
	if js.Completions == nil || js.Parallelism == nil || *js.Parallelism < 1 || *js.Parallelism > *js.Completions {
		t.Fatalf("completions/parallelism %v/%v", js.Completions, js.Parallelism)
	}
	pod := js.Template.Spec
	if pod.ServiceAccountName != o.sa.Name {
		t.Errorf("service account %q, want %q", pod.ServiceAccountName, o.sa.Name)
	}
	if js.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Error("pod lacks the azure.workload.identity/use label")
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("pod may run as root")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if !strings.Contains(c.Image, "m365audit:") || len(c.Command) != 0 {
		t.Errorf("image %q command %v (the image's entrypoint is the binary)", c.Image, c.Command)
	}
	if !slices.Contains(c.Args, "batch") {
		t.Fatalf("args %v do not run batch", c.Args)
	}
	shards, err := strconv.Atoi(flagValue(c.Args, "--shards"))
	if err != nil || int32(shards) != *js.Completions {
		t.Errorf("--shards %q, completions %d: they must be equal", flagValue(c.Args, "--shards"), *js.Completions)
	}
	out := flagValue(c.Args, "--out")
	tenantsPath := flagValue(c.Args, "--tenants")
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	if !strings.HasPrefix(out, mounts["runs"]+"/") || vols["runs"].PersistentVolumeClaim == nil || vols["runs"].PersistentVolumeClaim.ClaimName != o.pvc.Name {
		t.Errorf("--out %s is not on the runs volume (%v)", out, mounts)
	}
	if !strings.HasPrefix(tenantsPath, mounts["tenants"]+"/") || vols["tenants"].ConfigMap == nil || vols["tenants"].ConfigMap.Name != o.tenants.Name {
		t.Errorf("--tenants %s is not the tenants ConfigMap", tenantsPath)
	}
	key := strings.TrimPrefix(tenantsPath, mounts["tenants"]+"/")
	f, err := batch.Parse(key, []byte(o.tenants.Data[key]))
	if err != nil {
		t.Fatalf("tenants in the ConfigMap: %v", err)
	}
	seen := map[string]int{}
	for i := int32(0); i < *js.Completions; i++ {
		for _, s := range f.Select(batch.Shard{Index: int(i), Count: shards}) {
			seen[s.Name]++
			if s.Auth != "workload" {
				t.Errorf("%s: auth %q, want workload", s.Name, s.Auth)
			}
		}
	}
	for _, tn := range f.Tenants {
		if seen[tn.Name] != 1 {
			t.Errorf("tenant %s is processed by %d indexes", tn.Name, seen[tn.Name])
		}
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("container root filesystem is writable")
	}
	if mounts["tmp"] != "/tmp" {
		t.Error("no writable /tmp")
	}

	pf, ok := o.cronjobs["m365audit-portfolio"]
	if !ok {
		t.Fatal("no portfolio CronJob")
	}
	pc := pf.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	if pc.Image != c.Image || !slices.Contains(pc.Args, "--portfolio-only") || flagValue(pc.Args, "--out") != out {
		t.Errorf("portfolio step: image %s args %v", pc.Image, pc.Args)
	}
	pvols := pf.Spec.JobTemplate.Spec.Template.Spec.Volumes
	if len(pvols) != 1 || pvols[0].PersistentVolumeClaim == nil || pvols[0].PersistentVolumeClaim.ClaimName != o.pvc.Name {
		t.Errorf("portfolio step does not read the runs volume: %+v", pvols)
	}
	if pf.Spec.Schedule == cj.Spec.Schedule {
		t.Error("the portfolio runs at the same time as the batch")
	}
}

// TestGitHubWorkflow parses the workflow and checks its schedule, OIDC
// permission, matrix and the shard arguments.
func TestGitHubWorkflow(t *testing.T) {
	raw, err := os.ReadFile("github/m365audit.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Schedule []struct {
				Cron string `yaml:"cron"`
			} `yaml:"schedule"`
			WorkflowDispatch any `yaml:"workflow_dispatch"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Jobs        map[string]struct {
			Needs    any `yaml:"needs"`
			Strategy struct {
				FailFast *bool `yaml:"fail-fast"`
				Matrix   struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	// yaml.v3: YAML 1.2 keeps the key "on" a string (YAML 1.1 decoders
	// turn it into true).
	if err := yamlv3.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.On.Schedule) != 1 || strings.Fields(wf.On.Schedule[0].Cron)[2] != "1" {
		t.Errorf("schedule %+v is not monthly", wf.On.Schedule)
	}
	if wf.Permissions["id-token"] != "write" || wf.Permissions["contents"] != "read" || len(wf.Permissions) != 2 {
		t.Errorf("permissions %v, want id-token: write and contents: read only", wf.Permissions)
	}
	col, ok := wf.Jobs["collect"]
	if !ok {
		t.Fatal("no collect job")
	}
	shards, err := strconv.Atoi(wf.Env["SHARDS"])
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Strategy.Matrix.Shard) != shards {
		t.Errorf("matrix %v has not SHARDS=%d entries", col.Strategy.Matrix.Shard, shards)
	}
	for i, s := range col.Strategy.Matrix.Shard {
		if s != i {
			t.Errorf("matrix %v is not 0 … %d", col.Strategy.Matrix.Shard, shards-1)
		}
	}
	if col.Strategy.FailFast == nil || *col.Strategy.FailFast {
		t.Error("fail-fast must be false: one shard's failure must not cancel the others")
	}
	var batchRun, tokenRun, upload bool
	for _, st := range col.Steps {
		if strings.Contains(st.Run, " batch ") && strings.Contains(st.Run, "--shard ${{ matrix.shard }}/${{ env.SHARDS }}") {
			batchRun = true
			f, err := batch.Load("../" + strings.Fields(st.Run[strings.Index(st.Run, "--tenants"):])[1])
			if err != nil {
				t.Fatalf("the workflow's tenants file: %v", err)
			}
			for _, tn := range f.Tenants {
				if tn.Auth != "workload" {
					t.Errorf("%s: auth %s", tn.Name, tn.Auth)
				}
			}
		}
		if strings.Contains(st.Run, "AZURE_FEDERATED_TOKEN_FILE") && strings.Contains(st.Run, "api://AzureADTokenExchange") {
			tokenRun = true
		}
		if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
			upload = true
		}
	}
	if !batchRun || !tokenRun || !upload {
		t.Errorf("collect job: batch %v, federated token %v, artifacts %v", batchRun, tokenRun, upload)
	}
	pf, ok := wf.Jobs["portfolio"]
	if !ok || pf.Needs != "collect" {
		t.Fatalf("no portfolio job after collect")
	}
	var portfolio bool
	for _, st := range pf.Steps {
		portfolio = portfolio || strings.Contains(st.Run, "--portfolio-only")
	}
	if !portfolio {
		t.Error("the portfolio job does not run batch --portfolio-only")
	}
}

// TestDockerfile checks what can be checked without a container engine:
// multi-stage, static build, distroless base, non-root user, the binary as
// entrypoint.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	var from []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "FROM ") {
			from = append(from, l)
		}
	}
	if len(from) != 2 || !strings.Contains(from[0], " AS build") || !strings.HasPrefix(from[1], "FROM gcr.io/distroless/static") {
		t.Errorf("stages %v", from)
	}
	for _, want := range []string{"CGO_ENABLED=0", "COPY --from=build", "USER 65532:65532", `ENTRYPOINT ["/usr/local/bin/m365audit"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
