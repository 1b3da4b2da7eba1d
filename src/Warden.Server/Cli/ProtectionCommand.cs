using System.CommandLine;
using System.Globalization;
using Warden.Server.Residency;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden protection set|show|clear</c>: residency rules per tenant, overridable per key (issue 20). Every change
/// is a transparency-log entry and takes effect once logged (a running server reloads within a second).
/// </summary>
internal static class ProtectionCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var tenant = new Option<string?>("--tenant") { Description = "Tenant id or name." };
        var key = new Option<string?>("--key") { Description = "Key id: a rule for this key only, replacing its tenant's." };
        var home = new Option<string>("--home") { Description = "The home jurisdiction, e.g. CN.", Required = true };
        var allow = new Option<string?>("--allow") { Description = "Jurisdictions traffic may go to at all, e.g. CN,local; omitted or 'any': every jurisdiction." };
        var abroad = new Option<string>("--personal-data-abroad") { Description = "What happens to personal data leaving home: block, mask or allow.", DefaultValueFactory = _ => "block" };
        abroad.AcceptOnlyFromAmong("block", "mask", "allow");
        var basis = new Option<string?>("--legal-basis") { Description = "The legal basis of 'allow' (required for it), e.g. standard-contract-2026-03; recorded with every transfer." };
        var uninspectable = new Option<string?>("--uninspectable") { Description = "Images and files (not inspected) going abroad: block or allow; by default allow under 'allow', else block." };
        uninspectable.AcceptOnlyFromAmong("block", "allow");
        var pattern = new Option<string[]>("--pattern")
        {
            Description = "An operator recogniser NAME=REGEX (class custom:NAME; .NET syntax run without backtracking), repeatable, e.g. employee_id=EMP-[0-9]{6}.",
        };
        var set = new Command("set", "Set a tenant's or a key's whole residency rule (replacing any previous one). Logged; takes effect once logged.")
        {
            tenant, key, home, allow, abroad, basis, uninspectable, pattern, data,
        };
        set.SetAction(parse =>
        {
            var (rule, problem) = CommonOptions.OpenData(parse, data).Residency.Set(new ResidencyRuleSpec(
                parse.GetValue(tenant), parse.GetValue(key), parse.GetValue(home), parse.GetValue(allow),
                parse.GetValue(abroad), parse.GetValue(basis), parse.GetValue(uninspectable), parse.GetValue(pattern)));
            if (rule is null)
            {
                CommonOptions.Error(parse).WriteLine(problem);
                return 1;
            }

            var output = CommonOptions.Out(parse);
            output.WriteLine($"Residency rule {rule.Name} set.");
            Write(output, rule);
            return 0;
        });

        var show = new Command("show", "Show every residency rule (none: no restriction).") { data };
        show.SetAction(parse =>
        {
            var rules = CommonOptions.OpenData(parse, data).Residency.List();
            var output = CommonOptions.Out(parse);
            if (rules.Count == 0)
            {
                output.WriteLine("No residency rule: requests may go to any channel's jurisdiction, unchecked.");
                return 0;
            }

            foreach (var rule in rules)
            {
                Write(output, rule);
            }

            return 0;
        });

        var clearTenant = new Option<string?>("--tenant") { Description = "Tenant id or name." };
        var clearKey = new Option<string?>("--key") { Description = "Key id: remove this key's own rule (its tenant's applies again)." };
        var clear = new Command("clear", "Remove a tenant's or a key's rule. Logged; takes effect once logged.") { clearTenant, clearKey, data };
        clear.SetAction(parse =>
        {
            string? problem = CommonOptions.OpenData(parse, data).Residency.Clear(parse.GetValue(clearTenant), parse.GetValue(clearKey));
            (problem is null ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(problem ?? "Cleared.");
            return problem is null ? 0 : 1;
        });

        return new Command("protection", "Manage residency rules: where traffic may go and what happens to personal data leaving home.") { set, show, clear };
    }

    private static void Write(TextWriter output, ResidencyRule rule)
    {
        output.WriteLine($"{(rule.Scope == ResidencyScope.Tenant ? "Tenant" : "Key")} {rule.SubjectId}: version {rule.Version}, set {rule.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)}");
        output.WriteLine($"  home: {rule.Home}");
        output.WriteLine($"  allowed: {rule.AllowedText}");
        output.WriteLine($"  personal data abroad: {ResidencyRule.ActionName(rule.PersonalDataAbroad)}{(rule.LegalBasis is { } b ? " (legal basis: " + b + ")" : "")}");
        output.WriteLine($"  images and files abroad: {ResidencyRule.ActionName(rule.Uninspectable)}");
        foreach (var custom in rule.Patterns)
        {
            output.WriteLine($"  pattern custom:{custom.Name}: {custom.Pattern}");
        }
    }
}
