using System.CommandLine;
using Warden.Core.Providers;
using Warden.Server.Routing;

namespace Warden.Server.Cli;

/// <summary><c>warden channels add|list|remove</c>.</summary>
internal static class ChannelsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var name = new Option<string>("--name") { Description = "A unique name for the channel.", Required = true };
        var provider = new Option<string>("--provider")
        {
            Description = "Provider profile: " + string.Join(", ", ProviderProfiles.All.Select(p => p.Id)) + " (each described above).",
            Required = true,
        };
        var baseUrl = new Option<string?>("--base-url") { Description = "Base URL including the version segment (default: the provider's)." };
        var models = new Option<string>("--models") { Description = "Comma-separated models this channel serves.", Required = true };
        var priority = new Option<int>("--priority") { Description = "Higher is preferred." };
        // Never on the command line: it would land in shell history and the process list.
        var credentialEnv = new Option<string?>("--credential-env") { Description = "Name of an environment variable holding the upstream API key." };
        var credentialStdin = new Option<bool>("--credential-stdin") { Description = "Read the upstream API key from standard input." };
        var allowPrivate = new Option<bool>("--allow-private-network") { Description = "Allow loopback and private addresses for this channel (never link-local or cloud metadata)." };
        var weight = new Option<int?>("--weight") { Description = "Share of traffic among channels of the same priority (default 1)." };
        var connectTimeout = new Option<int?>("--connect-timeout-ms") { Description = "Longest wait for a connection (default 10000)." };
        var firstByteTimeout = new Option<int?>("--first-byte-timeout-ms") { Description = "Longest wait for the upstream's response headers (default 300000)." };
        var idleTimeout = new Option<int?>("--idle-timeout-ms") { Description = "Longest silence between two reads of a response (default 120000)." };
        var maxConcurrency = new Option<int?>("--max-concurrency") { Description = "Most upstream calls in flight on this channel (default: no bound)." };
        var jurisdiction = new Option<string?>("--jurisdiction") { Description = "Where this channel runs, when it differs from the provider's default (e.g. EU)." };
        var add = new Command("add", "Add an upstream channel. Its credential (one key, or a pool of keys separated by commas) is stored encrypted.\n\nProvider profiles:\n" + ProfileList())
        {
            name, provider, baseUrl, models, priority, credentialEnv, credentialStdin, allowPrivate,
            weight, connectTimeout, firstByteTimeout, idleTimeout, maxConcurrency, jurisdiction, data,
        };
        add.SetAction(parse =>
        {
            var error = CommonOptions.Error(parse);
            string? credential = null;
            if (parse.GetValue(credentialEnv) is { } variable)
            {
                credential = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(credential))
                {
                    error.WriteLine($"The environment variable {variable} is empty.");
                    return 2;
                }
            }
            else if (parse.GetValue(credentialStdin))
            {
                credential = System.Console.In.ReadLine()?.Trim();
            }

            var result = CommonOptions.OpenData(parse, data).ChannelRegistrar.Add(new ChannelSpec(
                parse.GetValue(name)!,
                parse.GetValue(provider)!,
                parse.GetValue(baseUrl),
                CommonOptions.SplitList(parse.GetValue(models)),
                parse.GetValue(priority),
                credential,
                parse.GetValue(allowPrivate),
                Tuning: new ChannelTuning(
                    parse.GetValue(weight) ?? 1,
                    parse.GetValue(connectTimeout),
                    parse.GetValue(firstByteTimeout),
                    parse.GetValue(idleTimeout),
                    parse.GetValue(maxConcurrency),
                    parse.GetValue(jurisdiction))));
            if (result.Problem is { } problem)
            {
                error.WriteLine(problem);
                return 1;
            }

            CommonOptions.Out(parse).WriteLine($"Added channel {result.Channel!.Name} ({result.Channel.Id}).");
            return 0;
        });

        var list = new Command("list", "List channels (never their credentials).") { data };
        list.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Channels.List().Select(c => new[]
            {
                c.Id, c.Name, c.ProviderId, c.ManagedSimulator ? "(each server's built-in simulator)" : c.BaseUrl.ToString(), string.Join(",", c.Models),
                c.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Tuned.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Credential is null ? "no" : "encrypted",
            });
            TextTable.Write(CommonOptions.Out(parse), ["ID", "NAME", "PROVIDER", "BASE URL", "MODELS", "PRIORITY", "WEIGHT", "CREDENTIAL"], rows);
            return 0;
        });

        var target = new Argument<string>("channel") { Description = "Channel id or name." };
        var remove = new Command("remove", "Remove a channel.") { target, data };
        remove.SetAction(parse =>
        {
            bool removed = CommonOptions.OpenData(parse, data).Channels.Remove(parse.GetValue(target)!);
            (removed ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(removed ? "Removed." : "No channel with that id or name.");
            return removed ? 0 : 1;
        });

        var probeTarget = new Argument<string>("channel") { Description = "Channel name." };
        var probeModel = new Option<string?>("--model") { Description = "The model to ask (default: the channel's first)." };
        var test = new Command("test", "Send one small request to the channel's upstream; report latency, the model that answered and its usage.") { probeTarget, probeModel, data };
        test.SetAction(async (parse, cancellationToken) =>
        {
            var result = await Probe(parse, data).TestAsync(parse.GetValue(probeTarget)!, parse.GetValue(probeModel), cancellationToken);
            string latency = result.Latency is { } l ? $"{l.TotalMilliseconds:0} ms" : "-";
            if (!result.Ok)
            {
                CommonOptions.Error(parse).WriteLine($"FAIL after {latency}: {result.Problem}");
                return 1;
            }

            CommonOptions.Out(parse).WriteLine($"OK in {latency}: served by {result.ServedModel ?? "(not reported)"}, "
                + $"input {Tokens(result.InputTokens)}, output {Tokens(result.OutputTokens)} tokens.");
            return 0;
        });

        var upstreamModels = new Command("models", "List the models the channel's upstream says it serves.") { probeTarget, data };
        upstreamModels.SetAction(async (parse, cancellationToken) =>
        {
            var (served, problem) = await Probe(parse, data).ModelsAsync(parse.GetValue(probeTarget)!, cancellationToken);
            if (served is null)
            {
                CommonOptions.Error(parse).WriteLine(problem);
                return 1;
            }

            foreach (string model in served)
            {
                CommonOptions.Out(parse).WriteLine(model);
            }

            return 0;
        });

        return new Command("channels", "Manage upstream channels.") { add, list, remove, test, upstreamModels };
    }

    private static string Tokens(long? count) => count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(not reported)";

    private static string ProfileList() => string.Join("\n", ProviderProfiles.All.Select(p =>
        $"  {p.Id,-22} {p.DisplayName}; {p.Dialect}; {p.Jurisdiction}; {p.DefaultBaseUrl}" + (p.Note is { } note ? "\n" + new string(' ', 25) + note : "")));

    // The CLI's own upstream client, built the way the server builds its named clients (same handler, same checks).
    private static ChannelProbe Probe(ParseResult parse, Option<string> data)
    {
        var folder = CommonOptions.OpenData(parse, data);
        var services = new ServiceCollection();
        foreach (string name in (ReadOnlySpan<string>)["cli-upstream", "cli-upstream-private"])
        {
            services.AddHttpClient(name, client => client.Timeout = TimeSpan.FromMinutes(2))
                .ConfigurePrimaryHttpMessageHandler(Hosting.UpstreamConnector.System.CreateHandler);
        }

        var factory = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new ChannelProbe(folder, new UpstreamAdapter(factory.CreateClient("cli-upstream"), factory.CreateClient("cli-upstream-private")), folder.Time);
    }
}
