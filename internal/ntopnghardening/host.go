package ntopnghardening

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Host is what the host really has, read in one go.
type Host struct {
	Main      transport.File
	DropIns   []transport.File
	IDs       *hostids.IDs
	Effective ntopngconf.Effective // what ntopng uses: the main file, then the drop-ins
	Listeners []livecheck.Listener // of the unit's processes (ReadHost withListeners only)
	// NotChecked says why the listeners could not be read (ReadHost withListeners only): systemd
	// does not run on the host and no PID file leads to ntopng. Listeners is nil then.
	NotChecked string
	// Redis is whether ntopng's Redis answers a client configured as ntopng.conf says
	// (ReadHost withListeners only, when the files set --redis; nil otherwise).
	Redis    *livecheck.RedisReach
	Writable []string // configuration paths someone other than root may change
	// Grants is what the host has of ntop's package grants, for the run-as user (ReadHost
	// withListeners only, asked in the unit check's command: grants.go).
	Grants Grants
	// UnitProperties are the unit's `systemctl show` facts (ReadHost withListeners only, where
	// systemd runs): the unitProperties asked for, when the service manager knows them.
	UnitProperties map[string]string
}

// Conf is ntopng's configuration as its service reads it: the main file, then the
// ntopng.conf.d/*.conf drop-ins beside it.
type Conf struct {
	Main      transport.File
	DropIns   []transport.File
	Effective ntopngconf.Effective
}

// dropInGlob is where the drop-ins beside confPath are.
func dropInGlob(confPath string) string {
	return path.Join(path.Dir(confPath), "ntopng.conf.d", "*.conf")
}

// ReadConf reads the main file and the drop-ins over the shared SFTP channel.
func ReadConf(ctx context.Context, c *transport.Conn, confPath string) (*Conf, error) {
	dropIns, err := c.Glob(ctx, dropInGlob(confPath))
	if err != nil {
		return nil, fmt.Errorf("listing the drop-ins beside %s: %w", confPath, err)
	}
	files, err := c.ReadFiles(ctx, append([]string{confPath}, dropIns...))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", confPath, err)
	}
	return &Conf{Main: files[0], DropIns: files[1:], Effective: evaluate(confPath, string(files[0].Data), files[1:], nil)}, nil
}

// Written is what ntopng uses from the files ntopng_instance writes: the main file and, where
// it applies, its own RedisDropIn while that is root's and writable by nobody else. Other
// drop-ins are left out: the audit compares what ntopng really uses with it.
func (c *Conf) Written(confPath string) ntopngconf.Effective {
	files := []ntopngconf.File{{Name: confPath, Text: string(c.Main.Data)}}
	if own := RedisDropIn(confPath); own != "" {
		for _, d := range c.DropIns {
			if d.Path == own && d.Info.UID == 0 && d.Info.Mode.Perm()&0o022 == 0 {
				files = append(files, ntopngconf.File{Name: d.Path, Text: string(d.Data)})
			}
		}
	}
	return ntopngconf.Evaluate(files...)
}

// ReadRedisTarget reads confPath (and its drop-ins) and returns the Redis ntopng uses.
func ReadRedisTarget(ctx context.Context, c *transport.Conn, confPath string) (livecheck.RedisTarget, error) {
	conf, err := ReadConf(ctx, c, confPath)
	if err != nil {
		return livecheck.RedisTarget{}, err
	}
	return RedisTarget(conf.Effective), nil
}

// evaluate is what ntopng uses with mainText and the drop-ins, without the options managed
// (removed from the drop-ins, as apply leaves them).
func evaluate(confPath, mainText string, dropIns []transport.File, managed []string) ntopngconf.Effective {
	all := []ntopngconf.File{{Name: confPath, Text: mainText}}
	for _, f := range dropIns {
		text := string(f.Data)
		if managed != nil {
			text = ntopngconf.Edit(text, nil, managed)
		}
		all = append(all, ntopngconf.File{Name: f.Path, Text: text})
	}
	return ntopngconf.Evaluate(all...)
}

// RedisTarget is the Redis that ntopng uses, password included (read on the host, never kept).
func RedisTarget(eff ntopngconf.Effective) livecheck.RedisTarget {
	t := livecheck.RedisTarget{Network: "tcp", Addr: eff.RedisHost + ":" + strconv.Itoa(eff.RedisPort), DB: eff.RedisDB}
	if strings.HasPrefix(eff.RedisHost, "/") {
		t.Network, t.Addr = "unix", eff.RedisHost
	}
	if eff.RedisPassword != nil {
		t.Password = *eff.RedisPassword
	}
	return t
}

// ReadHost reads the main file, the drop-ins (when service reads them), /etc/passwd and
// /etc/group over the shared SFTP channel and, withListeners, then the listeners of service
// and whether ntopng's Redis accepts what the files say, with one command (checkUnit). The
// Redis check needs the files, so the command follows the reads. unitProperties are more
// `systemctl show` properties of the unit that the same command reports (Host.UnitProperties).
func ReadHost(ctx context.Context, c *transport.Conn, confPath, service string, withListeners bool, unitProperties ...string) (*Host, error) {
	var dropIns []string
	if ReadsDropIns(confPath) {
		var err error
		if dropIns, err = c.Glob(ctx, dropInGlob(confPath)); err != nil {
			return nil, fmt.Errorf("listing the drop-ins beside %s: %w", confPath, err)
		}
	}
	paths := append([]string{confPath}, hostids.Files...)
	paths = append(paths, dropIns...)
	files, err := c.ReadFiles(ctx, paths)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", confPath, err)
	}
	h := &Host{Main: files[0], DropIns: files[3:], IDs: hostids.Parse(files[1].Data, files[2].Data)}
	// Who may change the configuration: its folder, the drop-in folder, the drop-ins.
	dirs := []string{path.Dir(confPath)}
	if ReadsDropIns(confPath) {
		dirs = append(dirs, path.Join(path.Dir(confPath), "ntopng.conf.d"))
	}
	for _, d := range dirs {
		fi, err := c.Stat(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("checking %s: %w", d, err)
		}
		if fi.Exists && othersMayWrite(fi) {
			h.Writable = append(h.Writable, d)
		}
	}
	for _, f := range h.DropIns {
		if f.Info.Exists && othersMayWrite(f.Info) {
			h.Writable = append(h.Writable, f.Path)
		}
	}
	h.Effective = evaluate(confPath, string(h.Main.Data), h.DropIns, nil)
	if withListeners {
		var target *livecheck.RedisTarget
		if _, set := h.Effective.Options["redis"]; set && h.Main.Info.Exists {
			t := RedisTarget(h.Effective)
			target = &t
		}
		svc := h.Service(confPath, service, h.Effective)
		svc.Probes = []livecheck.Probe{GrantsProbe}
		svc.Properties = unitProperties
		u, err := checkUnit(ctx, c, svc, target)
		if err != nil {
			return nil, err
		}
		h.Listeners, h.Redis, h.NotChecked, h.UnitProperties = u.Listeners, u.Redis, u.NotChecked, u.Properties
		h.Grants = ParseGrants(u.Probes[GrantsProbe.Name], h.IDs, h.Effective.User)
	}
	return h, nil
}

// othersMayWrite: owned by someone other than root, or writable by group or others.
func othersMayWrite(fi transport.FileInfo) bool {
	return fi.UID != 0 || fi.Mode.Perm()&0o022 != 0
}

// OptionValues returns every value of a repeatable option, main file then drop-ins.
func (h *Host) OptionValues(name string) []string { return optionValues(h.Main, h.DropIns, name) }

// OptionValues returns every value of a repeatable option, main file then drop-ins.
func (cf *Conf) OptionValues(name string) []string { return optionValues(cf.Main, cf.DropIns, name) }

func optionValues(main transport.File, dropIns []transport.File, name string) []string {
	var out []string
	for _, f := range append([]transport.File{main}, dropIns...) {
		for _, l := range ntopngconf.ParseLines(string(f.Data)) {
			if !l.Ignored && l.Name == name {
				out = append(out, l.Value)
			}
		}
	}
	return out
}

// RunAsUser is the user ntopng really runs as: root with --dont-change-user, nobody (ntopng's
// fallback) when the configured user does not exist.
func (h *Host) RunAsUser() string {
	return runAs(h.Effective, h.IDs)
}

func runAs(eff ntopngconf.Effective, ids *hostids.IDs) string {
	_, exists := ids.UID(eff.User)
	switch {
	case !eff.ChangeUser:
		return "root"
	case !exists:
		return "nobody"
	default:
		return eff.User
	}
}

// Service is how the live checks find the ntopng that confPath (as eff) configures: its
// systemd unit and, where systemd does not run, the PID file eff names (--pid, absolute
// only), whose process must be an ntopng started with confPath, running as root or as the
// user eff makes it drop to.
func (h *Host) Service(confPath, unit string, eff ntopngconf.Effective) livecheck.Service {
	return ServiceOf(confPath, unit, eff, h.IDs)
}

// ServiceOf is Host.Service with the host's users in ids.
func ServiceOf(confPath, unit string, eff ntopngconf.Effective, ids *hostids.IDs) livecheck.Service {
	s := livecheck.Service{Unit: unit, Config: confPath, UID: -1}
	if p := eff.Options["pid"]; path.IsAbs(p) {
		s.PIDFile = p
	}
	if uid, ok := ids.UID(runAs(eff, ids)); ok {
		s.UID = uid
	}
	return s
}

// MemberOf is the part of groups that the configured user is in.
func (h *Host) MemberOf(groups []string) []string {
	var have []string
	for _, g := range groups {
		if h.IDs.InGroup(h.Effective.User, g) {
			have = append(have, g)
		}
	}
	return have
}

// ConfigOwner is USER:GROUP of the main file.
func (h *Host) ConfigOwner() string {
	return h.IDs.UserName(h.Main.Info.UID) + ":" + h.IDs.GroupName(h.Main.Info.GID)
}

// ObservedListeners are the unit's web listeners, sorted: the flow collector endpoints of
// the interfaces in the files are left out.
func (h *Host) ObservedListeners() []string {
	return WebListeners(h.Listeners, CollectorPorts(h.OptionValues("interface")))
}

// Edit is the change apply makes: the main file with set and remove applied (mode ConfMode,
// root and gid), and each drop-in that sets a managed option without those lines (root's,
// never given back to an owner that may have planted it; group and others may not write).
// With own set (RedisDropIn, where the unit appends the drop-ins), --redis goes into that
// drop-in of the provider's instead of the main file. editedDropIns names the drop-ins
// edited; eff is what ntopng will use after the change.
func (h *Host) Edit(confPath string, set []ntopngconf.Setting, remove []string, gid int, own string) (files []hostchange.File, editedDropIns []string, eff ntopngconf.Effective) {
	// Drop-ins must not override managed options: remove them there (other lines stay), in
	// the same change, so that a failed restart puts them back too.
	managed := append([]string{}, remove...)
	for _, s := range set {
		managed = append(managed, s.Name)
	}
	var ownSet []ntopngconf.Setting
	if i := slices.IndexFunc(set, func(s ntopngconf.Setting) bool { return s.Name == "redis" }); own != "" && i >= 0 {
		ownSet = []ntopngconf.Setting{set[i]}
		set = slices.Delete(slices.Clone(set), i, i+1)
		remove = append(slices.Clone(remove), "redis")
	}
	newText := ntopngconf.Edit(string(h.Main.Data), set, remove)
	files = []hostchange.File{{Path: confPath, Data: []byte(newText), Mode: ConfMode, UID: 0, GID: gid}}
	texts := []ntopngconf.File{{Name: confPath, Text: newText}}
	for _, f := range h.DropIns {
		if f.Path == own && ownSet != nil {
			continue
		}
		edited := ntopngconf.Edit(string(f.Data), nil, managed)
		texts = append(texts, ntopngconf.File{Name: f.Path, Text: edited})
		if edited == string(f.Data) || strings.TrimSpace(edited) == "" && strings.TrimSpace(string(f.Data)) == "" {
			continue
		}
		editedDropIns = append(editedDropIns, f.Path)
		files = append(files, hostchange.File{Path: f.Path, Data: []byte(edited), Mode: f.Info.Mode.Perm() &^ 0o022, UID: 0, GID: f.Info.GID})
	}
	if ownSet != nil {
		text := ntopngconf.Edit(redisDropInHeader, ownSet, nil)
		files = append(files, hostchange.File{Path: own, Data: []byte(text), Mode: ConfMode, UID: 0, GID: gid})
		texts = append(texts, ntopngconf.File{Name: own, Text: text})
		slices.SortFunc(texts[1:], func(a, b ntopngconf.File) int { return strings.Compare(a.Name, b.Name) })
	}
	return files, editedDropIns, ntopngconf.Evaluate(texts...)
}

// PrepareRedisDropIn makes sure the folder of own (RedisDropIn, or "" for none) exists (ntop's
// package ships it; a host that lost it gets it back) before Edit's files are written.
func PrepareRedisDropIn(ctx context.Context, c *transport.Conn, own string) error {
	if own == "" {
		return nil
	}
	return hostchange.EnsureRootDir(ctx, c, path.Dir(own))
}

// ImportedExtraOptions are the options an import reads back into extra_options: those the
// provider wrote after its marker line, as ntopng uses them.
func (h *Host) ImportedExtraOptions() map[string]string {
	out := map[string]string{}
	for _, name := range ManagedBlockOptions(string(h.Main.Data)) {
		if v, ok := h.Effective.Options[name]; ok {
			out[name] = v
		}
	}
	return out
}

// RestoredPaths are the files that Delete with on_destroy = "restore" puts back: the main
// file, then each drop-in the provider edited (each has its original copy) and its own
// RedisDropIn (which did not exist: removed), then ntop's sudoers rule and cron job (when the
// provider removed them, each has a copy; otherwise they are left alone).
func RestoredPaths(ctx context.Context, c *transport.Conn, confPath string) ([]string, error) {
	paths := []string{confPath}
	copies, err := c.Glob(ctx, dropInGlob(confPath)+hostchange.OriginalSuffix)
	if err != nil {
		return nil, err
	}
	for _, p := range copies {
		paths = append(paths, strings.TrimSuffix(p, hostchange.OriginalSuffix))
	}
	if own := RedisDropIn(confPath); own != "" {
		paths = append(paths, own) // kept as absent: removed
	}
	return append(paths, SudoersPath, CronPath), nil
}
