from django import forms


class SignInForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254)


class DetailsForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    title = forms.CharField(label="Title", max_length=150, required=False)


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(label="Email", max_length=254)
    title = forms.CharField(label="Title", max_length=150, required=False)
    is_billing = forms.BooleanField(label="Billing contact", required=False)
    is_event_contact = forms.BooleanField(label="Event contact", required=False)


class DirectoryForm(forms.Form):
    directory_listed = forms.BooleanField(label="List us in the member directory", required=False)
    directory_text = forms.CharField(
        label="Description", max_length=2000, required=False, widget=forms.Textarea
    )
