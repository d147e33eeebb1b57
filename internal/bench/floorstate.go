package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CopyStateToSchemaFloor gives the framework floor the ntopng state's values: after both
// were applied, each noop_X.NAME of SchemaFloorDir's state takes the attributes of
// ntopng_X.NAME in WorkDir's state (the schemas are the same: TestSchemaOnlyResources). The
// floor's own Create leaves every read-back null; with this, its plans carry exactly what
// ours carry (listeners, TLS observations, fingerprints, statuses), which is what the
// framework's walks over the values cost.
func (f *Fleet) CopyStateToSchemaFloor(t testing.TB) {
	t.Helper()
	if err := copyStateAttributes(filepath.Join(f.WorkDir, "terraform.tfstate"), filepath.Join(f.SchemaFloorDir, "terraform.tfstate")); err != nil {
		t.Fatalf("bench: %v", err)
	}
}

// stateFile is the part of a Terraform state file (version 4) that copyStateAttributes reads
// and writes; every other field is kept as it is.
type stateFile struct {
	Serial    int64             `json:"serial"`
	Resources []json.RawMessage `json:"resources"`
}

type stateResource struct {
	Type      string                       `json:"type"`
	Name      string                       `json:"name"`
	Instances []map[string]json.RawMessage `json:"instances"`
}

// copyStateAttributes writes, into the state file floorPath, the attributes and sensitive
// attributes of the same-named ntopng_ resource in the state file oursPath, for every noop_
// resource other than noop_thing; the serial is raised.
func copyStateAttributes(oursPath, floorPath string) error {
	var ours, floor stateFile
	var floorAll map[string]json.RawMessage
	if err := readJSON(oursPath, &ours); err != nil {
		return err
	}
	if err := readJSON(floorPath, &floorAll); err != nil {
		return err
	}
	if err := json.Unmarshal(floorAll["resources"], &floor.Resources); err != nil {
		return fmt.Errorf("%s: resources: %w", floorPath, err)
	}
	if err := json.Unmarshal(floorAll["serial"], &floor.Serial); err != nil {
		return fmt.Errorf("%s: serial: %w", floorPath, err)
	}
	byName := map[string]stateResource{}
	for _, raw := range ours.Resources {
		var r stateResource
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		byName[r.Type+"."+r.Name] = r
	}
	copied := 0
	for i, raw := range floor.Resources {
		var r stateResource
		var all map[string]json.RawMessage
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &all); err != nil {
			return err
		}
		if !strings.HasPrefix(r.Type, "noop_") || r.Type == "noop_thing" {
			continue
		}
		src, ok := byName["ntopng_"+strings.TrimPrefix(r.Type, "noop_")+"."+r.Name]
		if !ok || len(src.Instances) != len(r.Instances) {
			return fmt.Errorf("%s: %s.%s has no counterpart with as many instances in %s", floorPath, r.Type, r.Name, oursPath)
		}
		for j := range r.Instances {
			r.Instances[j]["attributes"] = src.Instances[j]["attributes"]
			if s, ok := src.Instances[j]["sensitive_attributes"]; ok {
				r.Instances[j]["sensitive_attributes"] = s
			}
		}
		b, err := json.Marshal(r.Instances)
		if err != nil {
			return err
		}
		all["instances"] = b
		if floor.Resources[i], err = json.Marshal(all); err != nil {
			return err
		}
		copied++
	}
	if copied == 0 {
		return fmt.Errorf("%s: no noop_ resource of the ntopng schemas", floorPath)
	}
	var err error
	if floorAll["resources"], err = json.Marshal(floor.Resources); err != nil {
		return err
	}
	if floorAll["serial"], err = json.Marshal(floor.Serial + 1); err != nil {
		return err
	}
	out, err := json.MarshalIndent(floorAll, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(floorPath, append(out, '\n'), 0o600)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
