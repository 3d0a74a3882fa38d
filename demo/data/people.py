"""The names of the demo's people and the titles they hold."""

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark",
    "Sandra", "Steven", "Ashley", "Andrew", "Kimberly", "Joshua", "Emily", "Kevin", "Donna",
    "Brian", "Michelle", "Ryan", "Carol", "Jason", "Amanda", "Jacob", "Melissa", "Nicholas",
    "Deborah", "Eric", "Stephanie", "Jonathan", "Rebecca", "Luis", "Maria", "Carlos", "Ana",
    "José", "Rosa", "Miguel", "Carmen", "Wei", "Mei", "Priya", "Raj", "Anh", "Minh", "Aisha",
    "Omar", "Fatima", "Tariq", "Keisha", "Darnell", "Tanya", "Andre", "Grace", "Owen", "Claire",
    "Liam", "Nora", "Ethan", "Hannah", "Sean", "Colleen", "Patrick", "Maeve", "Giovanni",
    "Francesca", "Stanisław", "Katarzyna", "Tomasz", "Agnieszka", "Dmitri", "Olena",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "Sullivan", "Murphy",
    "Kelly", "Fitzgerald", "Kowalski", "Nowak", "Wiśniewski", "Russo", "Esposito", "Romano",
    "DeLuca", "Marino", "Pereira", "Santos", "Oliveira", "Chen", "Wang", "Patel", "Shah",
    "Kim", "Park", "Tran", "Pham", "Cohen", "Levine", "Goldberg", "Bergeron", "Gagnon",
    "Tremblay", "Morin", "Pelletier", "Fontaine", "Delgado", "Vargas", "Castillo", "Ortiz",
    "Mendoza", "Hughes", "Brennan", "Whitaker", "Talcott", "Bushnell", "Wadsworth", "Colt",
)  # fmt: skip

PRIMARY_TITLES = ("President", "Owner", "CEO", "Managing Partner", "Principal", "General Manager")
NONPROFIT_PRIMARY_TITLES = ("Executive Director", "President & CEO", "Director")
BILLING_TITLES = ("Controller", "Office Manager", "Bookkeeper", "CFO", "Accounts Payable")
EVENT_TITLES = (
    "Marketing Manager",
    "Executive Assistant",
    "Community Relations Manager",
    "Business Development Director",
    "Events Coordinator",
)
