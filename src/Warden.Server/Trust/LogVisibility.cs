using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Routing;

namespace Warden.Server.Trust;

/// <summary>
/// Which configuration events a client key may read in full. A key holder sees what can change how its requests are
/// served — channels, aliases, policies and prices of models it may use, signing and master key rotations — and the
/// events about its own key. Events about other keys and tenants (their ids, tenant names, limits, redemption batches)
/// stay with the operator; the key holder still gets their leaf hashes, so the log can be checked end to end.
/// </summary>
internal static class LogVisibility
{
    public static bool MayRead(ClientKey key, ReadOnlySpan<byte> entry, ChannelCatalog catalog)
    {
        string? action;
        string? subject;
        try
        {
            using var document = JsonDocument.Parse(entry.ToArray());
            action = document.RootElement.TryGetProperty("action", out var a) ? a.GetString() : null;
            subject = document.RootElement.TryGetProperty("subject", out var s) ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return false;
        }

        if (action is null || subject is null)
        {
            return false;
        }

        string noun = action.Split('.')[0];
        return noun switch
        {
            "signing_key" or "master_key" => true,

            // Channels and policies are named by channel: readable when the channel serves a model the key may use,
            // or when it no longer exists (its removal concerns whoever used it).
            "channel" or "policy" => ChannelVisible(key, subject, catalog),
            "alias" => key.MayUse(subject),

            // "<model>/<currency>": the price of a model the key may use.
            "price" => key.MayUse(subject.Split('/')[0]),

            // Events about this key itself ("key.create" names the key id; "key.assign_tenant" names "<key>/<tenant>").
            _ => string.Equals(subject, key.Id, StringComparison.Ordinal) || subject.StartsWith(key.Id + "/", StringComparison.Ordinal),
        };
    }

    private static bool ChannelVisible(ClientKey key, string channelName, ChannelCatalog catalog)
    {
        if (key.AllowedModels is null)
        {
            return true;
        }

        bool exists = false;
        foreach (var (model, target) in catalog.AllTargets())
        {
            if (string.Equals(target.ChannelName, channelName, StringComparison.Ordinal))
            {
                exists = true;
                if (key.MayUse(model))
                {
                    return true;
                }
            }
        }

        return !exists;
    }
}
