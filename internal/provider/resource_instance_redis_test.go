package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// expectRefreshed checks an attribute of a resource as the plan's refresh read it from the
// host (the plan JSON's prior_state), before any change is planned.
type expectRefreshed struct {
	address, attr string
	want          *regexp.Regexp
}

func (e expectRefreshed) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address == e.address {
			got := fmt.Sprint(r.AttributeValues[e.attr])
			if !e.want.MatchString(got) {
				resp.Error = fmt.Errorf("refreshed %s.%s = %q, want it to match %s", e.address, e.attr, got, e.want)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("%s is not in the plan's prior state", e.address)
}

// secretsNotInPlan fails when one of the secrets is anywhere in the plan (its JSON form holds
// everything terraform show prints, sensitive values included).
type secretsNotInPlan []string

func (c secretsNotInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	for _, s := range c {
		if strings.Contains(string(b), s) {
			resp.Error = fmt.Errorf("a secret is in the plan")
		}
	}
}

// TestAccInstanceRedisUnreachableIsDrift: ntopng that can no longer reach the Redis its file
// names (here: the Redis password changed on the Redis side only, while ntopng runs on with
// its authenticated connection) is drift. The plan shows it on redis_status; apply restarts
// ntopng, finds it cannot reach Redis, puts the file back and says why; once both sides
// agree again, apply converges and redis_status is "ok".
func TestAccInstanceRedisUnreachableIsDrift(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	dir := testhost.TempDir(t)
	socket := filepath.Join(dir, "redis.sock")
	pwA := "tcA" + strings.Repeat("Rk7q", 10) + "Zz1"
	pwB := "tcB" + strings.Repeat("Hm3w", 10) + "Yy2"
	r := testhost.StartRedis(t, testhost.RedisBaseConf(dir, 0)+fmt.Sprintf("unixsocket %s\nunixsocketperm 777\nrequirepass %s\n", socket, pwA))
	setPassword := func(from, to string) {
		t.Helper()
		if got, err := r.DoAuth(t, from, "CONFIG", "SET", "requirepass", to); err != nil || got != "OK" {
			t.Fatalf("CONFIG SET requirepass: %q, %v", got, err)
		}
	}
	cfg := f.socketRedisConfig(socket)
	vars := redisVars(pwA)
	status := func(want string) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("redis_status"), knownvalue.StringExact(want))}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg, ConfigVariables: vars, ConfigStateChecks: status("ok"),
		}, {
			// The Redis password changed on the Redis side only: ntopng keeps running. With a
			// restart_command that restarts nothing, ntopng keeps listening: the Redis check
			// after the "restart" is what finds it, and the file goes back.
			PreConfig:       func() { r.Socket, r.Port = socket, 0; setPassword(pwA, pwB) },
			Config:          strings.Replace(cfg, fmt.Sprintf("restart_command = %q", f.n.RestartScript), `restart_command = "true"`, 1),
			ConfigVariables: vars,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
				expectRefreshed{"ntopng_instance.probe", "redis_status", regexp.MustCompile(`^WRONGPASS .*\(unix:` + regexp.QuoteMeta(socket) + `\)$`)},
				secretsNotInPlan{pwA, pwB},
			}},
			ExpectError: regexp.MustCompile(`(?s)ntopng cannot reach its Redis.*WRONGPASS`),
		}, {
			// A real restart: ntopng cannot start without its Redis, the file goes back.
			Config:          cfg,
			ConfigVariables: vars,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
			}},
			ExpectError: regexp.MustCompile(`(?s)Redis.*WRONGPASS`),
		}, {
			// Both sides agree again: apply converges (ntopng is started again).
			PreConfig:         func() { setPassword(pwB, pwA) },
			Config:            cfg,
			ConfigVariables:   vars,
			ConfigStateChecks: status("ok"),
		}},
	})
}
