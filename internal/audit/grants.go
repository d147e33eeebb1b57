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
}

func init() {
	Checks = append(Checks,
		Check{ID: "package_nmap_capabilities", Severity: High, Title: "nmap has no file capabilities (ntop's package gives it raw sockets for every local user)",
			Remediation: "ntopng_instance.revoke_package_grants.nmap_capabilities = true (the default); apply it", Run: checkNmapCaps},
		Check{ID: "package_journal_access", Severity: Medium, Title: "ntopng's account does not read the system journal (ntop's package puts it in systemd-journal)",
			Remediation: "ntopng_instance.revoke_package_grants.systemd_journal = true (the default); apply it", Run: checkJournal},
		Check{ID: "package_ntopctl_sudo", Severity: High, Title: "ntopng's account may not run ntopctl as root (ntop's package installs a sudoers rule)",
			Remediation: "ntopng_instance.revoke_package_grants.ntopctl_sudo = true (the default); apply it", Run: checkNtopctlSudo},
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
