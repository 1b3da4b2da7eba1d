using System.CommandLine;

namespace Warden.Server.Cli;

/// <summary>The <c>warden</c> command tree. Only Cli/ writes to the console; everything else logs.</summary>
internal static class WardenCli
{
    public static RootCommand Build() => new("Warden: a relay for AI model APIs that you can verify.")
    {
        ServeCommand.Build(),
        SimulateCommand.Build(),
        KeysCommand.Build(),
        ChannelsCommand.Build(),
        AliasesCommand.Build(),
        PolicyCommand.Build(),
        ProtectionCommand.Build(),
        TransfersCommand.Build(),
        UsageReportCommand.AddTo(UsageCommand.Build()),
        SecretsCommand.Build(),
        VerifyCommand.Build(),
        WitnessCommand.Build(),
        AuditCommand.Build(),
        ReceiptsCommand.Build(),
        TenantsCommand.Build(),
        PricesCommand.Build(),
        CreditsCommand.Build(),
        CodesCommand.Build(),
        LedgerCommand.Build(),
        LimitsCommand.Build(),
        CommonOptions.Database,
        AccountsCommand.Build(),
    };
}
