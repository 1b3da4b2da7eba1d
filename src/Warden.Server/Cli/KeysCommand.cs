using System.CommandLine;
using System.Globalization;
using Warden.Server.Keys;

namespace Warden.Server.Cli;

/// <summary><c>warden keys create|list|revoke|fallback</c>.</summary>
internal static class KeysCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var name = new Option<string>("--name") { Description = "A label for the key.", Required = true };
        var models = new Option<string?>("--models") { Description = "Comma-separated models the key may use (default: all)." };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the key stops working (ISO 8601, e.g. 2027-01-01T00:00:00Z)." };
        var admin = new Option<bool>("--admin") { Description = "Create an admin key (admin API only, no model calls)." };
        var create = new Command("create", "Create a key and print it once.") { name, models, expires, admin, data };
        create.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            var issued = folder.KeyIssuer.Issue(
                parse.GetValue(name)!,
                parse.GetValue(admin) ? KeyRole.Admin : KeyRole.Client,
                CommonOptions.SplitList(parse.GetValue(models)),
                parse.GetValue(expires));
            var output = CommonOptions.Out(parse);
            output.WriteLine($"Key id: {issued.Key.Id}");
            output.WriteLine($"Key: {issued.Plaintext}");
            output.WriteLine("Shown once and stored only as a hash: keep it now.");
            return 0;
        });

        var list = new Command("list", "List keys (never their secrets).") { data };
        list.SetAction(parse =>
        {
            var output = CommonOptions.Out(parse);
            var rows = CommonOptions.OpenData(parse, data).Keys.List().Select(k => new[]
            {
                k.Id, k.Name, k.Role == KeyRole.Admin ? "admin" : "client", k.Hint,
                k.AllowedModels is null ? "*" : string.Join(",", k.AllowedModels),
                k.FallbackModels.Count == 0 ? "strict" : string.Join(",", k.FallbackModels),
                k.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-",
                k.RevokedAt is null ? "active" : "revoked",
            });
            TextTable.Write(output, ["ID", "NAME", "ROLE", "HINT", "MODELS", "FALLBACK", "EXPIRES", "STATE"], rows);
            return 0;
        });

        var id = new Argument<string>("id") { Description = "The key id (from 'warden keys list')." };
        var revoke = new Command("revoke", "Revoke a key; it stops working within a second on a running server.") { id, data };
        revoke.SetAction(parse =>
        {
            bool revoked = CommonOptions.OpenData(parse, data).Keys.Revoke(parse.GetValue(id)!);
            (revoked ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(revoked ? "Revoked." : "No active key with that id.");
            return revoked ? 0 : 1;
        });

        var fallbackKey = new Option<string>("--key") { Description = "The key id (from 'warden keys list').", Required = true };
        var fallbackModels = new Option<string>("--models")
        {
            Description = "Comma-separated models the key accepts in place of the one it asked for, in order; \"\" = strict (never another model).",
            Required = true,
        };
        var fallback = new Command("fallback", "Set a key's fallback list. Every crossing to another model is disclosed in headers and the receipt.")
        {
            fallbackKey, fallbackModels, data,
        };
        fallback.SetAction(parse =>
        {
            var models = CommonOptions.SplitList(parse.GetValue(fallbackModels));
            string? problem = CommonOptions.OpenData(parse, data).Keys.SetFallback(parse.GetValue(fallbackKey)!, models);
            (problem is null ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(
                problem ?? (models.Count == 0 ? "Strict: the key never falls back to another model." : "Fallback models: " + string.Join(", ", models) + "."));
            return problem is null ? 0 : 1;
        });

        return new Command("keys", "Manage client and admin keys.") { create, list, revoke, fallback };
    }
}
