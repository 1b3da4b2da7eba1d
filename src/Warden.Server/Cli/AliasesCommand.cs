using System.CommandLine;
using System.Globalization;

namespace Warden.Server.Cli;

/// <summary><c>warden aliases add|list|remove</c>: declared model aliases, visible to key holders and logged.</summary>
internal static class AliasesCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var name = new Option<string>("--name") { Description = "The alias clients will request.", Required = true };
        var model = new Option<string>("--model") { Description = "The served model it means (not another alias).", Required = true };
        var provider = new Option<string?>("--provider") { Description = "The provider profile the alias promises (optional, shown to key holders)." };
        var version = new Option<string?>("--version") { Description = "The model version the alias promises (optional, shown to key holders)." };
        var add = new Command("add", "Declare an alias. Key holders see it and its target in /v1/models and /v1/policy.") { name, model, provider, version, data };
        add.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            var (alias, problem) = folder.Aliases.Add(parse.GetValue(name)!, parse.GetValue(model)!, parse.GetValue(provider), parse.GetValue(version));
            if (alias is null)
            {
                CommonOptions.Error(parse).WriteLine(problem);
                return 1;
            }

            var output = CommonOptions.Out(parse);
            output.WriteLine($"Added alias {alias.Name} -> {alias.Model}.");

            return 0;
        });

        var list = new Command("list", "List declared aliases.") { data };
        list.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Aliases.List().Select(a => new[]
            {
                a.Name, a.Model, a.Provider ?? "-", a.Version ?? "-", a.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
            });
            TextTable.Write(CommonOptions.Out(parse), ["ALIAS", "MODEL", "PROVIDER", "VERSION", "CREATED"], rows);
            return 0;
        });

        var removeName = new Option<string>("--name") { Description = "The alias to remove.", Required = true };
        var remove = new Command("remove", "Remove an alias; requests for it fail from then on.") { removeName, data };
        remove.SetAction(parse =>
        {
            bool removed = CommonOptions.OpenData(parse, data).Aliases.Remove(parse.GetValue(removeName)!);
            (removed ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(removed ? "Removed." : "No alias with that name.");
            return removed ? 0 : 1;
        });

        return new Command("aliases", "Manage declared model aliases.") { add, list, remove };
    }
}
