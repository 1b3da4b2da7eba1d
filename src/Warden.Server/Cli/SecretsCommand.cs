using System.CommandLine;
using Warden.Server.Secrets;

namespace Warden.Server.Cli;

/// <summary><c>warden secrets rotate</c>: re-encrypts every stored secret under a new master key.</summary>
internal static class SecretsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var rotate = new Command("rotate", "Generate a new master key and re-encrypt every stored secret under it. Run while the server is stopped, or restart it afterwards.") { data };
        rotate.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            var output = CommonOptions.Out(parse);
            string newKey = MasterKeyRing.NewKeyBase64();
            var result = SecretRotation.Rotate(folder.Database, folder.Ring, MasterKeyRing.DecodeKey(newKey, "the new key"));
            output.WriteLine($"Re-encrypted {result.SecretsReencrypted} secrets: master key {result.OldKeyId} -> {result.NewKeyId}.");
            if (folder.Ring.FilePath is null)
            {
                // The old key came from the environment, so the new one must go there too; it is printed once for that.
                output.WriteLine($"The master key comes from {MasterKeyRing.EnvironmentVariable}. Set it to this new value before the next start:");
                output.WriteLine(newKey);
            }

            return 0;
        });
        return new Command("secrets", "Manage encryption of stored secrets.") { rotate };
    }
}
