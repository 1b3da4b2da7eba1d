using System.CommandLine;
using System.Globalization;
using Warden.Server.Routing;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden policy set|show|clear</c>: the declared changes a channel makes to requests (system prefix, output cap,
/// field overrides). Key holders see them at <c>GET /v1/policy</c>; receipts name each change applied.
/// </summary>
internal static class PolicyCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var channel = new Option<string>("--channel") { Description = "Channel id or name.", Required = true };
        var prefixFile = new Option<FileInfo?>("--system-prefix-file") { Description = "A UTF-8 text file whose text goes before each request's system prompt (trailing line breaks dropped)." };
        var cap = new Option<long?>("--max-output-tokens") { Description = "The most output tokens a request may ask for; larger or missing limits are set to this." };
        var overrides = new Option<string[]>("--override") { Description = "field=json: set a top-level request field, e.g. temperature=0.2 or user='\"team-a\"'. Repeatable." };
        var set = new Command("set", "Set a channel's whole policy (replacing any previous one). Logged; takes effect once logged.")
        {
            channel, prefixFile, cap, overrides, data,
        };
        set.SetAction(parse =>
        {
            var error = CommonOptions.Error(parse);
            string? prefix = null;
            if (parse.GetValue(prefixFile) is { } file)
            {
                if (!file.Exists)
                {
                    error.WriteLine($"No file {file.FullName}.");
                    return 2;
                }

                prefix = File.ReadAllText(file.FullName).TrimEnd('\r', '\n');
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string item in parse.GetValue(overrides) ?? [])
            {
                int equals = item.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    error.WriteLine($"'--override {item}' must look like field=json.");
                    return 2;
                }

                fields[item[..equals].Trim()] = item[(equals + 1)..];
            }

            var (policy, problem) = CommonOptions.OpenData(parse, data).Policies.Set(parse.GetValue(channel)!, prefix, parse.GetValue(cap), fields);
            if (policy is null)
            {
                error.WriteLine(problem);
                return 1;
            }

            CommonOptions.Out(parse).WriteLine($"Policy version {policy.Version} set.");
            return 0;
        });

        var showChannel = new Option<string?>("--channel") { Description = "Only this channel (id or name)." };
        var show = new Command("show", "Show channel policies in full.") { showChannel, data };
        show.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            var output = CommonOptions.Out(parse);
            var channels = folder.Channels.List();
            var policies = folder.Policies.List().ToDictionary(p => p.ChannelId, StringComparer.Ordinal);
            if (parse.GetValue(showChannel) is { } wanted)
            {
                if (channels.FirstOrDefault(c => c.Id == wanted || c.Name == wanted) is not { } one)
                {
                    CommonOptions.Error(parse).WriteLine($"No channel with id or name '{wanted}'.");
                    return 1;
                }

                channels = [one];
            }

            int shown = 0;
            foreach (var c in channels)
            {
                if (policies.GetValueOrDefault(c.Id) is { } policy)
                {
                    Write(output, c.Name, policy);
                    shown++;
                }
                else if (channels.Count == 1)
                {
                    output.WriteLine($"Channel {c.Name}: no policy (requests go upstream unchanged).");
                    shown++;
                }
            }

            if (shown == 0)
            {
                output.WriteLine("No channel has a policy.");
            }

            return 0;
        });

        var clearChannel = new Option<string>("--channel") { Description = "Channel id or name.", Required = true };
        var clear = new Command("clear", "Remove a channel's policy. Logged; takes effect once logged.") { clearChannel, data };
        clear.SetAction(parse =>
        {
            string? problem = CommonOptions.OpenData(parse, data).Policies.Clear(parse.GetValue(clearChannel)!);
            (problem is null ? CommonOptions.Out(parse) : CommonOptions.Error(parse)).WriteLine(problem ?? "Cleared.");
            return problem is null ? 0 : 1;
        });

        return new Command("policy", "Manage the declared request changes of channels.") { set, show, clear };
    }

    private static void Write(TextWriter output, string channelName, ChannelPolicy policy)
    {
        output.WriteLine($"Channel {channelName}: policy version {policy.Version}, set {policy.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)}");
        output.WriteLine($"  max output tokens: {(policy.MaxOutputTokensCap is { } cap ? cap.ToString(CultureInfo.InvariantCulture) : "-")}");
        foreach (var (field, json) in policy.Overrides)
        {
            output.WriteLine($"  override: {field} = {json}");
        }

        if (policy.SystemPrefix is { } prefix)
        {
            output.WriteLine($"  system prefix ({prefix.Length} characters):");
            foreach (string line in prefix.Split('\n'))
            {
                output.WriteLine("    | " + line.TrimEnd('\r'));
            }
        }
        else
        {
            output.WriteLine("  system prefix: -");
        }
    }
}
