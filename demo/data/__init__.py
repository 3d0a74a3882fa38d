"""The tables the demo draws from, as plain data: places (real towns of Hartford, Middlesex and
Tolland counties with their postal codes and some of their streets), people's names and titles,
industries with their business name patterns, the chamber's plans and investor levels, and its
events. Websites and mail live under the reserved `.example` domain and telephone numbers in the
fictional 555 exchange, so nothing here reaches a real business."""
