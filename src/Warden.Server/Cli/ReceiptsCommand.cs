using System.CommandLine;
using Warden.Server.Trust;

namespace Warden.Server.Cli;

/// <summary><c>warden receipts rotate-key</c>: a new receipt signing key; the old one is retired and its public half kept.</summary>
internal static class ReceiptsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var rotate = new Command("rotate-key", "Make a new receipt signing key. The old key stops signing (its private half is deleted) but stays published, so its receipts still verify. A running server signs with the new key after its next start.") { data };
        rotate.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            var (newKeyId, retiredKeyId) = new SigningKeyStore(folder.Database, folder.Ring, folder.Time).Rotate();
            var output = CommonOptions.Out(parse);
            output.WriteLine("New signing key: " + newKeyId);
            output.WriteLine("Retired key (still published): " + (retiredKeyId ?? "(none)"));
            return 0;
        });
        return new Command("receipts", "Manage the keys that sign receipts.") { rotate };
    }
}
