package audit

import (
	"fmt"
	"strings"
)

// What ntop's package grants on install (its postinst), beyond ntopng itself.
const (
	NmapPath     = "/usr/bin/nmap"
	JournalGroup = "systemd-journal"
	SudoersPath  = "/etc/sudoers.d/ntopng"
	// CronPath is ntop's cron job of its updater; UpdaterConfPath the file the updater reads
	// --redis from.
	CronPath        = "/etc/cron.d/ntopng"
	UpdaterConfPath = "/etc/ntopng/ntopng.conf"
)

// PackageGrants is what the host has of ntop's package grants.
type PackageGrants struct {
	// NmapExists: NmapPath is there; NmapCaps its file capabilities ("" none); NmapNote says
	// why they could not be read ("" when they were).
	NmapExists         bool
	NmapCaps, NmapNote string
	// User is ntopng's run-as user; InJournal whether it is in JournalGroup (JournalExists:
	// the group exists).
	User                     string
	InJournal, JournalExists bool
	// Sudoers: SudoersPath exists; SudoersRules are its lines that are not comments or blank.
	Sudoers      bool
	SudoersRules []string
	// Cron: CronPath exists; CronLines are its lines that are not comments or blank.
	// UpdaterRedis is the Redis the updater finds in UpdaterConfPath ("HOST:PORT", "" none);
	// UpdaterPassword whether it finds a password there.
	Cron            bool
	CronLines       []string
	UpdaterRedis    string
	UpdaterPassword bool
}

func init() {
	Checks = append(Checks,
		Check{ID: "package_nmap_capabilities", Severity: High, Title: "nmap has no file capabilities (ntop's package gives it raw sockets for every local user)",
			Remediation: "ntopng_instance.revoke_package_grants.nmap_capabilities = true (the default); apply it", Run: checkNmapCaps},
		Check{ID: "package_journal_access", Severity: Medium, Title: "ntopng's account does not read the system journal (ntop's package puts it in systemd-journal)",
			Remediation: "ntopng_instance.revoke_package_grants.systemd_journal = true (the default); apply it", Run: checkJournal},
		Check{ID: "package_ntopctl_sudo", Severity: High, Title: "ntopng's account may not run ntopctl as root (ntop's package installs a sudoers rule)",
			Remediation: "ntopng_instance.revoke_package_grants.ntopctl_sudo = true (the default); apply it", Run: checkNtopctlSudo},
		Check{ID: "package_update_cron", Severity: High, Title: "No root cron job runs ntop's updater (it puts the Redis password on a command line and runs apt-get on a Redis key)",
			Remediation: "ntopng_instance.revoke_package_grants.update_cron = true (the default); apply it, and upgrade ntopng with apt", Run: checkUpdateCron},
	)
}

func checkNmapCaps(f Facts) Finding {
	g := f.Grants
	switch {
	case !g.NmapExists:
		return pass("nmap is not installed", NmapPath+" missing")
	case g.NmapNote != "":
		return fail("nmap's file capabilities could not be checked", g.NmapNote)
	case g.NmapCaps != "":
		return fail("nmap has the file capabilities "+g.NmapCaps+": every local user can send raw packets and bind low ports through it",
			"getcap "+NmapPath+": "+NmapPath+" "+g.NmapCaps)
	}
	return pass("nmap has no file capabilities", "getcap "+NmapPath+": none")
}

func checkJournal(f Facts) Finding {
	g := f.Grants
	switch {
	case !g.JournalExists:
		return pass("there is no "+JournalGroup+" group", "/etc/group: no "+JournalGroup)
	case g.InJournal:
		return fail(fmt.Sprintf("%s is in %s: ntopng's account reads every service's log", g.User, JournalGroup),
			fmt.Sprintf("/etc/group: %s is a member of %s", g.User, JournalGroup))
	}
	return pass(fmt.Sprintf("%s is not in %s", g.User, JournalGroup), fmt.Sprintf("/etc/group: %s is not a member of %s", g.User, JournalGroup))
}

func checkNtopctlSudo(f Facts) Finding {
	g := f.Grants
	switch {
	case !g.Sudoers:
		return pass("ntop's sudoers rule is not installed", SudoersPath+" missing")
	case len(g.SudoersRules) > 0:
		return fail("ntop's sudoers rule lets ntopng's account run ntopctl (start, stop and enable services) as root",
			SudoersPath+": "+strings.Join(g.SudoersRules, "; "))
	}
	return pass("ntop's sudoers file holds no rule", SudoersPath+": comments only")
}

func checkUpdateCron(f Facts) Finding {
	g := f.Grants
	reads := "the updater finds no Redis in " + UpdaterConfPath + " (it asks 127.0.0.1:6379 without a password)"
	switch {
	case g.UpdaterRedis != "" && g.UpdaterPassword:
		reads = "the updater reads Redis " + g.UpdaterRedis + " with a password from " + UpdaterConfPath + " and passes it to redis-cli -a"
	case g.UpdaterRedis != "":
		reads = "the updater reads Redis " + g.UpdaterRedis + " without a password from " + UpdaterConfPath
	}
	switch {
	case !g.Cron:
		return pass("ntop's updater has no cron job", CronPath+" missing; "+reads)
	case len(g.CronLines) == 0:
		return pass("ntop's cron file holds no job", CronPath+": comments only; "+reads)
	case g.UpdaterPassword:
		return fail("ntop's updater runs as root every minute and puts ntopng's Redis password on redis-cli's command line, readable by every local user",
			CronPath+": "+strings.Join(g.CronLines, "; ")+"; "+reads)
	}
	return fail("ntop's updater runs as root and runs apt-get install --allow-unauthenticated ntopng when its Redis holds ntopng.updates.run_upgrade = 1",
		CronPath+": "+strings.Join(g.CronLines, "; ")+"; "+reads)
}
