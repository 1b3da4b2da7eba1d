using System.Globalization;
using Warden.Server.Console.Customers;

namespace Warden.Server.Console.Pages.My;

/// <summary>The customer's receipts, newest first, each with a link to verify it in the browser.</summary>
internal sealed class CustomerReceiptsModel(CustomerReceipts receipts) : CustomerPageModel
{
    public IReadOnlyList<CustomerReceiptRow> Rows { get; private set; } = [];

    public void OnGet(string? before)
    {
        DateTimeOffset? until = DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        Rows = receipts.List(TenantId, until);
    }
}
